import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { type ChildGatehouse, spawnGatehouse } from './helpers/child.ts';
import { tempDir, testConfig, writeConfigFile } from './helpers/config-file.ts';
import { nextEvent } from './helpers/events.ts';
import { metricValue, scrapeMetrics } from './helpers/metrics.ts';
import { type RunningGatehouse, startGatehouse, startUpstream, type Upstream } from './helpers/servers.ts';

interface ReloadEvent {
  ok: boolean;
  generation: number;
  trigger: string;
}

/** Routes of one config generation: `/flip` is public or denied; `/extra` exists or not. */
function routesFor(upstream: string, o: { flipPublic: boolean; extra?: boolean }): Record<string, unknown>[] {
  return [
    { id: 'stable', match: { host: 'app.test', path: '/' }, upstream, public: true },
    {
      id: 'flip',
      match: { host: 'app.test', path: '/flip' },
      upstream,
      ...(o.flipPublic ? { public: true } : {}),
    },
    ...(o.extra ? [{ id: 'extra', match: { host: 'extra.test', path: '/' }, upstream, public: true }] : []),
  ];
}

async function status(base: string, path: string, host = 'app.test'): Promise<number> {
  const res = await request(`${base}${path}`, { headers: { host } });
  await res.body.dump();
  return res.statusCode;
}

describe('config reload', { timeout: 30_000 }, () => {
  let up: Upstream;
  before(async () => {
    up = await startUpstream((_req, res) => res.end('ok'));
  });
  after(async () => {
    await up.close();
  });

  describe('file changes under load (in-process)', () => {
    const dir = tempDir();
    const file = dir.file('gatehouse.yaml');
    let gh: RunningGatehouse;

    before(async () => {
      writeConfigFile(file, testConfig({ routes: routesFor(up.url, { flipPublic: true }) }));
      gh = await startGatehouse({}, { configFile: file });
    });
    after(async () => {
      await gh.close();
      dir.remove();
    });

    /** Rewrite the file and wait for the reload it causes (ok or rejected). */
    async function rewrite(config: Record<string, unknown> | string, ok: boolean): Promise<ReloadEvent> {
      const event = nextEvent<ReloadEvent>(
        'gatehouse:config:reload',
        (e) => e.trigger === 'file' && e.ok === ok,
      );
      writeConfigFile(file, config);
      return event;
    }

    it('applies valid configs on the next request, rejects an invalid one, and drops no request', async () => {
      // Expected /flip status per generation, recorded as reloads land.
      const flipStatus = new Map<number, number>([[gh.gateway.generation, 200]]);
      const failures: string[] = [];
      let done = 0;
      let stop = false;
      const PER_LOOP = 4_000;
      const loop = async (n: number) => {
        for (let i = 0; i < PER_LOOP && !stop; i++) {
          const path = i % 2 === 0 ? `/stable/${n}/${i}` : `/flip/${n}/${i}`;
          const genBefore = gh.gateway.generation;
          try {
            const got = await status(gh.url, path);
            const genAfter = gh.gateway.generation;
            const allowed = path.startsWith('/stable')
              ? [200]
              : [flipStatus.get(genBefore), flipStatus.get(genAfter)].filter((s) => s !== undefined);
            // a request racing a swap may see either generation; nothing else is acceptable
            if (!allowed.includes(got))
              failures.push(`${path}: ${got} (generations ${genBefore}..${genAfter})`);
          } catch (err) {
            failures.push(`${path}: ${(err as Error).message}`);
          }
          done++;
        }
      };
      const loops = [0, 1, 2, 3].map(loop);
      const progressed = async (atLeast: number) => {
        for (let i = 0; i < 1_000 && done < atLeast; i++) await delay(2);
      };

      await progressed(200);

      // generation 2: /flip becomes denied
      const g2 = await rewrite(testConfig({ routes: routesFor(up.url, { flipPublic: false }) }), true);
      flipStatus.set(g2.generation, 403);
      assert.equal(
        await status(gh.url, '/flip'),
        403,
        'the next request after the reload sees the new route',
      );
      await progressed(done + 200);

      // an invalid file: rejected, counted, and generation 2 keeps serving
      const rejectedBefore =
        metricValue(await scrapeMetrics(gh.adminUrl), 'gatehouse_config_reloads_total', {
          result: 'rejected',
          trigger: 'file',
        }) ?? 0;
      const bad = await rewrite(
        'listeners:\n  - name: web\n    port: 0\nroutes:\n  - match: { host: app.test }\n    colour: blue\n',
        false,
      );
      assert.equal(bad.ok, false);
      assert.equal(gh.gateway.generation, g2.generation);
      assert.equal(await status(gh.url, '/flip'), 403);
      assert.equal(await status(gh.url, '/stable'), 200);
      const rejectedAfter =
        metricValue(await scrapeMetrics(gh.adminUrl), 'gatehouse_config_reloads_total', {
          result: 'rejected',
          trigger: 'file',
        }) ?? 0;
      assert.ok(
        rejectedAfter >= rejectedBefore + 1,
        `rejected reloads ${rejectedBefore} -> ${rejectedAfter}`,
      );
      await progressed(done + 200);

      // generation 3: /flip public again, and a new host
      assert.equal(await status(gh.url, '/', 'extra.test'), 404);
      const g3 = await rewrite(
        testConfig({ routes: routesFor(up.url, { flipPublic: true, extra: true }) }),
        true,
      );
      flipStatus.set(g3.generation, 200);
      assert.ok(g3.generation > g2.generation);
      assert.equal(await status(gh.url, '/flip'), 200);
      assert.equal(await status(gh.url, '/', 'extra.test'), 200);
      await progressed(done + 200);

      stop = true;
      await Promise.all(loops);
      assert.deepEqual(failures, [], `${failures.length} of ${done} requests failed`);
      assert.ok(done >= 800, `only ${done} requests ran`);

      const metrics = await scrapeMetrics(gh.adminUrl);
      assert.equal(metricValue(metrics, 'gatehouse_config_generation'), gh.gateway.generation);
      assert.ok(
        (metricValue(metrics, 'gatehouse_config_reloads_total', { result: 'ok', trigger: 'file' }) ?? 0) >= 2,
      );
    });
  });

  describe('SIGHUP (child process)', () => {
    const dir = tempDir();
    const file = dir.file('gatehouse.yaml');
    let gh: ChildGatehouse;

    before(async () => {
      writeConfigFile(file, testConfig({ routes: routesFor(up.url, { flipPublic: true }) }));
      gh = await spawnGatehouse(file);
    });
    after(async () => {
      await gh.kill();
      dir.remove();
    });

    async function reloads(result: string, trigger: string): Promise<number> {
      return (
        metricValue(await scrapeMetrics(gh.adminUrl), 'gatehouse_config_reloads_total', {
          result,
          trigger,
        }) ?? 0
      );
    }

    /** Poll (bounded) until `check` holds; the watcher's own poll is every 2 s, so 1.5 s is short of it. */
    async function eventually(check: () => Promise<boolean>, withinMs = 1_500): Promise<boolean> {
      const deadline = performance.now() + withinMs;
      while (performance.now() < deadline) {
        if (await check()) return true;
        await delay(10);
      }
      return check();
    }

    it('reloads on SIGHUP', async () => {
      assert.equal(await status(gh.url, '/flip'), 200);
      writeConfigFile(file, testConfig({ routes: routesFor(up.url, { flipPublic: false }) }));
      gh.proc.kill('SIGHUP');
      assert.ok(
        await eventually(async () => (await status(gh.url, '/flip')) === 403),
        '/flip is still public',
      );
      assert.ok(
        await eventually(async () => (await reloads('ok', 'signal')) === 1),
        'no reload counted for the signal',
      );
      assert.equal(gh.proc.exitCode, null, 'the process must keep running');
    });

    it('keeps the old config on SIGHUP with an invalid file', async () => {
      writeConfigFile(file, 'routes: [ this is not valid');
      gh.proc.kill('SIGHUP');
      assert.ok(
        await eventually(async () => (await reloads('rejected', 'signal')) === 1),
        'no rejected reload counted',
      );
      assert.equal(await status(gh.url, '/flip'), 403);
      assert.equal(await status(gh.url, '/stable'), 200);
      assert.equal(gh.proc.exitCode, null);
    });
  });
});
