import { authenticatorConformance } from '../conformance.ts';
import { claimsFor, NOW, requestWith, sign, startHarness } from './fixtures.ts';

authenticatorConformance('jwt', async () => {
  const h = await startHarness({ algorithms: ['ES256'] });
  const token = await sign(h.keys.ES256!, claimsFor(h.issuer, { groups: ['a'] }));
  const expired = await sign(h.keys.ES256!, claimsFor(h.issuer, { iat: NOW - 7200, exp: NOW - 3600 }));
  return {
    authenticator: h.auth,
    nowSeconds: NOW,
    validRequest: requestWith(`Bearer ${token}`),
    foreignRequest: requestWith('Basic dXNlcjpwYXNz', { cookie: 'session=abc' }),
    badRequest: requestWith(`Bearer ${expired}`),
    secrets: [token, token.split('.')[2]!],
    cleanup: () => h.close(),
  };
});
