import { routeLabel, UNMATCHED_ROUTE } from './http-metrics.hook.js';

describe(routeLabel.name, () => {
  it('labels a request with the pattern of the route it matched', () => {
    expect(routeLabel('/mobile/orders/:id')).toBe('/mobile/orders/:id');
  });

  it('labels every request that matched no route alike, whatever path it asked for', () => {
    expect(routeLabel(undefined)).toBe(UNMATCHED_ROUTE);
    expect(routeLabel('')).toBe(UNMATCHED_ROUTE);
  });
});
