import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Decision, RequestInfo } from '../model/index.ts';
import { publish, type RequestFinishedEvent } from '../observe/index.ts';
import { Metrics } from './metrics.ts';

const REQUEST = {
  id: 'req-1',
  method: 'GET',
  scheme: 'http',
  host: 'app.test',
  port: 80,
  path: '/',
  query: '',
  headers: {},
  peerAddress: '127.0.0.1',
  clientAddress: '127.0.0.1',
  listener: 'web',
} as RequestInfo;

function finished(via: RequestFinishedEvent['via'], durationMs: number, decision: Partial<Decision> = {}) {
  publish.requestFinished({
    request: REQUEST,
    decision: { outcome: 'allow', mode: 'enforce', reasons: ['public-route'], routeId: 'app', ...decision },
    status: 200,
    durationMs,
    via,
  });
}

/** The sample lines of one metric family, without HELP / TYPE. */
async function samples(m: Metrics, family: string): Promise<string[]> {
  const text = await m.registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(family));
}

let metrics: Metrics | undefined;
afterEach(() => metrics?.close());

describe('request metrics', () => {
  it('counts requests per route, decision, reason and via, and keeps counting across scrapes', async () => {
    metrics = new Metrics();
    finished('proxy', 1);
    finished('proxy', 1);
    finished('forward-auth', 1, { outcome: 'deny', reasons: ['no-rule-matched'] });
    assert.deepEqual(await samples(metrics, 'gatehouse_requests_total'), [
      'gatehouse_requests_total{route="app",decision="allow",reason="public-route",via="proxy"} 2',
      'gatehouse_requests_total{route="app",decision="deny",reason="no-rule-matched",via="forward-auth"} 1',
    ]);
    finished('proxy', 1);
    // a second scrape adds only what happened since the first
    assert.deepEqual(await samples(metrics, 'gatehouse_requests_total{route="app",decision="allow"'), [
      'gatehouse_requests_total{route="app",decision="allow",reason="public-route",via="proxy"} 3',
    ]);
  });

  it('observes durations into cumulative buckets with sum and count, per via', async () => {
    metrics = new Metrics();
    finished('proxy', 0.3); // 0.0003 s: first bucket
    finished('proxy', 7); // 0.007 s: the 0.01 bucket
    finished('ext-authz', 20_000); // 20 s: above every bound, only +Inf
    const lines = await samples(metrics, 'gatehouse_request_duration_seconds');
    const value = (needle: string) => {
      const line = lines.find((l) => l.startsWith(needle));
      assert.ok(line, `${needle} in\n${lines.join('\n')}`);
      return Number(line.split(' ').at(-1));
    };
    assert.equal(value('gatehouse_request_duration_seconds_bucket{le="0.0005",via="proxy"}'), 1);
    assert.equal(value('gatehouse_request_duration_seconds_bucket{le="0.005",via="proxy"}'), 1);
    assert.equal(value('gatehouse_request_duration_seconds_bucket{le="0.01",via="proxy"}'), 2);
    assert.equal(value('gatehouse_request_duration_seconds_bucket{le="+Inf",via="proxy"}'), 2);
    assert.equal(value('gatehouse_request_duration_seconds_count{via="proxy"}'), 2);
    assert.ok(Math.abs(value('gatehouse_request_duration_seconds_sum{via="proxy"}') - 0.0073) < 1e-9);
    assert.equal(value('gatehouse_request_duration_seconds_bucket{le="10",via="ext-authz"}'), 0);
    assert.equal(value('gatehouse_request_duration_seconds_bucket{le="+Inf",via="ext-authz"}'), 1);
    assert.equal(value('gatehouse_request_duration_seconds_count{via="ext-authz"}'), 1);
  });
});
