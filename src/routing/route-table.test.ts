import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRouteTable, type RouteEntry } from './route-table.ts';

function route(
  host: string,
  path: string,
  value: string,
  pathMatch: 'prefix' | 'exact' = 'prefix',
): RouteEntry<string> {
  return { host, path, pathMatch, value };
}

describe('route table: host precedence', () => {
  const table = buildRouteTable([
    route('*', '/', 'any'),
    route('*.example.com', '/', 'wild'),
    route('*.b.example.com', '/', 'wild-b'),
    route('app.example.com', '/', 'exact'),
    route('[::1]', '/', 'ipv6'),
  ]);

  it('prefers the exact host', () => {
    assert.equal(table.lookup('app.example.com', '/x'), 'exact');
  });

  it('matches wildcards on one or more extra labels, longest suffix first', () => {
    assert.equal(table.lookup('other.example.com', '/x'), 'wild');
    assert.equal(table.lookup('a.other.example.com', '/x'), 'wild');
    assert.equal(table.lookup('a.b.example.com', '/x'), 'wild-b');
    assert.equal(table.lookup('x.a.b.example.com', '/x'), 'wild-b');
    assert.equal(table.lookup('b.example.com', '/x'), 'wild');
  });

  it('does not let a wildcard match its bare suffix', () => {
    assert.equal(table.lookup('example.com', '/x'), 'any');
    assert.equal(table.lookup('.example.com', '/x'), 'any');
  });

  it('does not match a suffix that is not on a label boundary', () => {
    assert.equal(table.lookup('evilexample.com', '/x'), 'any');
  });

  it('falls back to "*" last', () => {
    assert.equal(table.lookup('unrelated.test', '/x'), 'any');
    assert.equal(table.lookup('[::1]', '/x'), 'ipv6');
  });

  it('ignores case and one trailing dot in the looked-up host', () => {
    assert.equal(table.lookup('APP.Example.COM.', '/x'), 'exact');
    assert.equal(table.lookup('Other.Example.com', '/x'), 'wild');
  });

  it('never matches a non-ASCII host, even one that lower-cases to ASCII', () => {
    assert.equal(
      buildRouteTable([route('kelvin.example', '/', 'k')]).lookup('\u212Aelvin.example', '/'),
      undefined,
    );
  });

  it('normalises host patterns', () => {
    const t = buildRouteTable([
      route('App.Example.COM.', '/', 'exact'),
      route('*.Example.Org.', '/', 'wild'),
    ]);
    assert.equal(t.lookup('app.example.com', '/'), 'exact');
    assert.equal(t.lookup('a.example.org', '/'), 'wild');
    assert.equal(buildRouteTable([route('[0:0::1]', '/', 'v6')]).lookup('[::1]', '/'), 'v6');
  });

  it('returns undefined when no host pattern matches', () => {
    const t = buildRouteTable([route('app.example.com', '/', 'a')]);
    assert.equal(t.lookup('other.example.com', '/'), undefined);
  });
});

describe('route table: no fall-back to a less specific host', () => {
  const table = buildRouteTable([
    route('app.example.com', '/app', 'exact-app'),
    route('*.example.com', '/x', 'wild-x'),
    route('*', '/', 'any'),
  ]);

  it('looks only in the most specific matching host', () => {
    assert.equal(table.lookup('app.example.com', '/app/1'), 'exact-app');
    assert.equal(table.lookup('app.example.com', '/x'), undefined);
    assert.equal(table.lookup('other.example.com', '/x'), 'wild-x');
    assert.equal(table.lookup('other.example.com', '/y'), undefined);
  });
});

describe('route table: path precedence', () => {
  const table = buildRouteTable([
    route('h', '/', 'root'),
    route('h', '/admin', 'admin'),
    route('h', '/admin', 'admin-exact', 'exact'),
    route('h', '/admin/users', 'users'),
    route('h', '/admin/users/', 'users-slash-exact', 'exact'),
    route('h', '/api/v1/', 'v1'),
  ]);

  it('prefers an exact route to the prefix route of the same path', () => {
    assert.equal(table.lookup('h', '/admin'), 'admin-exact');
    assert.equal(table.lookup('h', '/admin/'), 'admin');
    assert.equal(table.lookup('h', '/admin/users/'), 'users-slash-exact');
  });

  it('picks the longest prefix', () => {
    assert.equal(table.lookup('h', '/admin/x'), 'admin');
    assert.equal(table.lookup('h', '/admin/users'), 'users');
    assert.equal(table.lookup('h', '/admin/users/7'), 'users');
    assert.equal(table.lookup('h', '/other'), 'root');
    assert.equal(table.lookup('h', '/'), 'root');
  });

  it('matches prefixes on segment boundaries', () => {
    assert.equal(table.lookup('h', '/administrator'), 'root');
    assert.equal(table.lookup('h', '/admin/usersx'), 'admin');
    assert.equal(table.lookup('h', '/api/v1'), 'v1');
    assert.equal(table.lookup('h', '/api/v1/x'), 'v1');
    assert.equal(table.lookup('h', '/api/v10'), 'root');
  });

  it('treats repeated slashes in the path as boundaries, as pathHasPrefix does', () => {
    assert.equal(table.lookup('h', '/admin//x'), 'admin');
    assert.equal(table.lookup('h', '//admin'), 'root');
  });

  it('returns undefined when no path matches', () => {
    const t = buildRouteTable([route('h', '/a', 'a'), route('h', '/b', 'b', 'exact')]);
    assert.equal(t.lookup('h', '/'), undefined);
    assert.equal(t.lookup('h', '/b/c'), undefined);
    assert.equal(t.lookup('h', '/ab'), undefined);
  });

  it('returns a falsy value stored for a route', () => {
    const t = buildRouteTable([{ host: 'h', path: '/', pathMatch: 'exact' as const, value: 0 }]);
    assert.equal(t.lookup('h', '/'), 0);
  });
});

describe('route table: hosts of every size', () => {
  it('keeps each host its own values when hosts share a path layout', () => {
    const layout = ['/', '/api', '/api/v1', '/metrics'];
    const hosts = ['a.example', 'b.example', '*.c.example'];
    const table = buildRouteTable(
      hosts.flatMap((host) => layout.map((path) => route(host, path, `${host} ${path}`))),
    );
    for (const [host, asked] of [
      ['a.example', 'a.example'],
      ['b.example', 'b.example'],
      ['*.c.example', 'x.c.example'],
    ]) {
      assert.equal(table.lookup(asked!, '/api/v1/x'), `${host} /api/v1`);
      assert.equal(table.lookup(asked!, '/apix'), `${host} /`);
      assert.equal(table.lookup(asked!, '/metrics'), `${host} /metrics`);
    }
  });

  it('applies the same precedence to a host with many routes', () => {
    const entries = [route('h', '/', 'root'), route('h', '/admin', 'admin-exact', 'exact')];
    for (let i = 0; i < 40; i++)
      entries.push(route('h', `/s${i}`, `s${i}`), route('h', `/s${i}/deep`, `s${i}-deep`));
    const table = buildRouteTable(entries);
    assert.equal(table.lookup('h', '/s7/deep/x'), 's7-deep');
    assert.equal(table.lookup('h', '/s7/deeper'), 's7');
    assert.equal(table.lookup('h', '/s7'), 's7');
    assert.equal(table.lookup('h', '/s70'), 'root');
    assert.equal(table.lookup('h', '/admin'), 'admin-exact');
    assert.equal(table.lookup('h', 'admin'), undefined);
  });

  it('matches prefixes of 31 characters and more on segment boundaries', () => {
    const long = `/${'a'.repeat(29)}`; // 30 characters
    const table = buildRouteTable([
      route('h', long, 'p30'),
      route('h', `${long}b`, 'p31'),
      route('h', `${long}b/${'c'.repeat(40)}`, 'p72'),
      route('h', `${long}bb`, 'e32', 'exact'),
    ]);
    assert.equal(table.lookup('h', long), 'p30');
    assert.equal(table.lookup('h', `${long}/x`), 'p30');
    assert.equal(table.lookup('h', `${long}b`), 'p31');
    assert.equal(table.lookup('h', `${long}b/x`), 'p31');
    assert.equal(table.lookup('h', `${long}bb`), 'e32');
    assert.equal(table.lookup('h', `${long}bb/x`), undefined);
    assert.equal(table.lookup('h', `${long}b/${'c'.repeat(40)}/d`), 'p72');
    assert.equal(table.lookup('h', `${long}b/${'c'.repeat(41)}`), 'p31');
  });
});

describe('route table: building', () => {
  it('refuses duplicates after normalisation', () => {
    assert.throws(() => buildRouteTable([route('h', '/a', '1'), route('h', '/a', '2')]), /duplicate route/);
    assert.throws(() => buildRouteTable([route('h', '/a', '1'), route('h', '/a/', '2')]), /duplicate route/);
    assert.throws(
      () => buildRouteTable([route('H.', '/a', '1', 'exact'), route('h', '/a', '2', 'exact')]),
      /duplicate/,
    );
    assert.throws(() => buildRouteTable([route('*', '/', '1'), route('*', '/', '2')]), /duplicate route/);
  });

  it('keeps routes that differ in host, path or match kind', () => {
    const t = buildRouteTable([
      route('h', '/a', '1'),
      route('h', '/a', '2', 'exact'),
      route('h', '/a/', '3', 'exact'),
      route('*.h', '/a', '4'),
    ]);
    assert.equal(t.size, 4);
  });

  it('refuses invalid host patterns and paths', () => {
    for (const host of [
      '',
      'a.*.com',
      '*example.com',
      '*.',
      '**.a',
      'a.com:80',
      'user@a.com',
      '*.[::1]',
      'a b',
    ]) {
      assert.throws(() => buildRouteTable([route(host, '/', 'x')]), /invalid route host pattern/, host);
    }
    assert.throws(() => buildRouteTable([route('h', 'a', 'x')]), /must start with/);
    assert.throws(() => buildRouteTable([route('h', '', 'x', 'exact')]), /must start with/);
  });
});

describe('route table: scale', () => {
  it('builds 10k routes quickly and finds each one', () => {
    const entries: RouteEntry<number>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const host = i % 3 === 0 ? `*.svc${i % 100}.example.com` : `app${i % 500}.example.com`;
      entries.push({ host, path: `/team${i}/api`, pathMatch: i % 2 === 0 ? 'prefix' : 'exact', value: i });
    }
    const started = performance.now();
    const table = buildRouteTable(entries);
    const buildMs = performance.now() - started;
    assert.equal(table.size, 10_000);
    assert.ok(buildMs < 500, `built in ${buildMs} ms`);

    for (let i = 0; i < 10_000; i++) {
      const host = i % 3 === 0 ? `x.svc${i % 100}.example.com` : `app${i % 500}.example.com`;
      assert.equal(table.lookup(host, `/team${i}/api`), i);
      assert.equal(table.lookup(host, `/team${i}/api/more`), i % 2 === 0 ? i : undefined);
      assert.equal(table.lookup(host, `/team${i}/apix`), undefined);
    }
  });

  it('does not slow down as routes are added (no scan over routes)', () => {
    function timeLookups(routeCount: number): number {
      const entries: RouteEntry<number>[] = [];
      for (let i = 0; i < routeCount; i++) {
        entries.push({ host: 'h.example', path: `/r${i}/api`, pathMatch: 'prefix', value: i });
      }
      const table = buildRouteTable(entries);
      const paths = Array.from({ length: 1000 }, (_, i) => `/r${(i * 7919) % routeCount}/api/x/y`);
      let found = 0;
      const lookups = () => {
        for (let round = 0; round < 20; round++)
          for (const p of paths) if (table.lookup('h.example', p) !== undefined) found++;
      };
      lookups(); // warm up the JIT before measuring
      const started = performance.now();
      lookups();
      const elapsed = performance.now() - started;
      assert.equal(found, 2 * 20 * paths.length);
      return elapsed;
    }
    const small = timeLookups(100);
    const large = timeLookups(10_000);
    // A scan over routes would make the large table ~100x slower; Map lookups keep it level.
    assert.ok(large < Math.max(small, 1) * 20, `100 routes: ${small} ms, 10k routes: ${large} ms`);
  });
});
