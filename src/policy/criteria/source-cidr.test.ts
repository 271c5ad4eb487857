import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems } from '../testing.ts';

const from = (clientAddress: string) => makeInput(undefined, { clientAddress });

describe('sourceCidr', () => {
  it('IPv4 ranges and single hosts', () => {
    assert.equal(ruleAllows({ sourceCidr: ['10.0.0.0/8'] }, from('10.200.3.4')), true);
    assert.equal(ruleAllows({ sourceCidr: ['10.0.0.0/8'] }, from('11.0.0.1')), false);
    assert.equal(ruleAllows({ sourceCidr: ['192.0.2.7'] }, from('192.0.2.7')), true);
    assert.equal(ruleAllows({ sourceCidr: ['192.0.2.7'] }, from('192.0.2.8')), false);
  });

  it('IPv6 ranges', () => {
    assert.equal(ruleAllows({ sourceCidr: ['2001:db8::/32'] }, from('2001:db8:1::5')), true);
    assert.equal(ruleAllows({ sourceCidr: ['2001:db8::/32'] }, from('2001:db9::1')), false);
  });

  it('IPv4 ranges match IPv4-mapped IPv6 addresses', () => {
    assert.equal(ruleAllows({ sourceCidr: ['10.0.0.0/8'] }, from('::ffff:10.1.2.3')), true);
    assert.equal(ruleAllows({ sourceCidr: ['10.0.0.0/8'] }, from('::ffff:11.1.2.3')), false);
  });

  it('an unparseable client address never matches', () => {
    assert.equal(ruleAllows({ sourceCidr: ['0.0.0.0/0'] }, from('not-an-ip')), false);
    assert.equal(ruleAllows({ sourceCidr: ['0.0.0.0/0'] }, from('')), false);
  });

  it('yields source-unauthorized', () => {
    assert.deepEqual(evaluateRule({ sourceCidr: ['10.0.0.0/8'] }, from('192.0.2.1')).reasons, [
      'no-rule-matched',
      'source-unauthorized',
    ]);
  });

  it('rejects bad addresses and prefix lengths with a pointer at the entry', () => {
    assert.equal(
      ruleProblems({ sourceCidr: ['10.0.0.0/8', '10.0.0.0/33'] })[0]?.pointer,
      '/p/allow/0/sourceCidr/1',
    );
    assert.equal(ruleProblems({ sourceCidr: ['999.1.1.1/8'] })[0]?.pointer, '/p/allow/0/sourceCidr/0');
    assert.equal(ruleProblems({ sourceCidr: ['::1/129'] })[0]?.pointer, '/p/allow/0/sourceCidr/0');
    assert.equal(ruleProblems({ sourceCidr: '10.0.0.0/8' })[0]?.pointer, '/p/allow/0/sourceCidr');
  });
});
