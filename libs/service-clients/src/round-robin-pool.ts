/** Picks instance base URLs in turn. Ejection and weights come with the resilience work. */
export class RoundRobinPool {
  private next = 0;

  constructor(readonly urls: readonly string[]) {
    if (urls.length === 0) {
      throw new Error('a service needs at least one instance URL');
    }
  }

  pick(): string {
    const url = this.urls[this.next];
    this.next = (this.next + 1) % this.urls.length;
    return url;
  }
}
