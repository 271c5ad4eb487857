import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LineWriter } from './line-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-lines-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const tick = () => new Promise((r) => setImmediate(r));

describe('LineWriter', () => {
  it('writes every line once, in order, across batches, reused buffers and oversized lines', async () => {
    const file = join(dir, 'order.log');
    const w = new LineWriter(file, { batchBytes: 4096, flushMs: 5 });
    const lines: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      // multi-byte characters, and now and then a line larger than a batch
      const line = `{"n":${i},"s":"${'é'.repeat(i % 40)}${i % 499 === 0 ? 'x'.repeat(6_000) : ''}"}\n`;
      lines.push(line);
      w.write(line);
      if (i % 300 === 0) await tick();
    }
    await new Promise((r) => setTimeout(r, 50));
    w.write('last\n');
    lines.push('last\n');
    w.close();
    assert.equal(readFileSync(file, 'utf8'), lines.join(''));
    assert.equal(w.dropped, 0);
  });

  it('drops and counts lines past the backlog cap instead of buffering without bound', () => {
    const file = join(dir, 'cap.log');
    const w = new LineWriter(file, { batchBytes: 4096, maxBacklogBytes: 16 * 1024 });
    const line = `${'y'.repeat(99)}\n`;
    // synchronously: nothing can be written meanwhile, so the backlog only grows
    for (let i = 0; i < 1_000; i++) w.write(line);
    assert.ok(w.dropped > 700, `dropped ${w.dropped}`);
    w.close();
    const written = readFileSync(file, 'utf8');
    assert.equal(written.length, (1_000 - w.dropped) * line.length, 'every kept line is whole');
  });
});
