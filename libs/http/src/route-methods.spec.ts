import { RouteMethods } from './route-methods.js';

describe(RouteMethods.name, () => {
  function routes(): RouteMethods {
    const known = new RouteMethods();
    known.add('GET', '/web/orders/:id');
    known.add('GET', '/web/preferences');
    known.add('HEAD', '/web/preferences');
    known.add('PATCH', '/web/preferences');
    // Two versions of one route: Fastify reports each, with its constraint (Nest's "no version" is a symbol).
    known.add('GET', '/mobile/profile', [Symbol('no version'), '1']);
    known.add('GET', '/mobile/profile', '2');
    // @fastify/cors answers preflights for every path.
    known.add('OPTIONS', '*');
    return known;
  }

  it('names every method a path is answered under, parameters matched as the router matches them', () => {
    expect(routes().allowedFor('/web/preferences')).toEqual(['GET', 'HEAD', 'PATCH']);
    expect(routes().allowedFor('/web/orders/o-u1-5')).toEqual(['GET']);
    expect(routes().allowedFor('/mobile/profile')).toEqual(['GET']);
  });

  it('names none for a path no route has, though CORS answers its preflight', () => {
    expect(routes().allowedFor('/web/nothing')).toEqual([]);
    expect(routes().allowedFor('/web/orders')).toEqual([]);
  });

  it('names the versions a versioned route answers under a method, and none for a route that takes any', () => {
    expect(routes().versionsFor('GET', '/mobile/profile')).toEqual(['1', '2']);
    expect(routes().versionsFor('GET', '/web/preferences')).toEqual([]);
    expect(routes().versionsFor('DELETE', '/mobile/profile')).toEqual([]);
  });
});
