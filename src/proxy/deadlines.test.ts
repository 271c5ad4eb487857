import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deadline, Deadlines } from './deadlines.ts';

const never = () => {
  throw new Error('must not fire');
};

describe('Deadline', () => {
  it('waits for response headers for at most headersMs', () => {
    const d = new Deadline(1_000, 0, 500, 200, never);
    assert.equal(d.exceeded(1_500), false);
    assert.equal(d.exceeded(1_501), true);
  });

  it('after the headers, only the idle limit between body chunks applies', () => {
    const d = new Deadline(0, 0, 500, 200, never);
    d.headersReceived(400);
    assert.equal(d.exceeded(600), false, 'headers limit no longer applies');
    assert.equal(d.exceeded(601), true, 'idle since the headers');
    d.data(590, false);
    assert.equal(d.exceeded(790), false);
    assert.equal(d.exceeded(791), true);
  });

  it('does not count idle time while the client is not reading (backpressure)', () => {
    const d = new Deadline(0, 0, 500, 200, never);
    d.headersReceived(10);
    d.data(20, true);
    assert.equal(d.exceeded(10_000), false, 'paused: the upstream is not idle, the client is slow');
    d.resumed(10_000);
    assert.equal(d.exceeded(10_200), false);
    assert.equal(d.exceeded(10_201), true);
  });

  it('the total limit applies in every phase; 0 turns a limit off', () => {
    const d = new Deadline(0, 1_000, 0, 0, never);
    assert.equal(d.exceeded(999), false);
    d.headersReceived(10);
    d.data(990, false);
    assert.equal(d.exceeded(1_001), true);
    const none = new Deadline(0, 0, 0, 0, never);
    none.headersReceived(1);
    assert.equal(none.exceeded(1e12), false);
  });
});

describe('Deadlines', () => {
  it('fires an exceeded exchange once, leaves others alone, and stops sweeping when empty', async () => {
    const deadlines = new Deadlines(5);
    let fired = 0;
    const slow = new Deadline(performance.now(), 0, 20, 0, () => fired++);
    const done = new Deadline(performance.now(), 0, 20, 0, never);
    const patient = new Deadline(performance.now(), 0, 60_000, 0, never);
    deadlines.add(slow);
    deadlines.add(done);
    deadlines.add(patient);
    deadlines.delete(done); // answered in time: never fires
    assert.equal(deadlines.size, 2);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(fired, 1);
    assert.equal(deadlines.size, 1, 'the fired exchange is no longer watched');
    deadlines.delete(patient);
    assert.equal(deadlines.size, 0);
    // slots are reused
    const again = new Deadline(performance.now(), 0, 10, 0, () => fired++);
    deadlines.add(again);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(fired, 2);
  });
});
