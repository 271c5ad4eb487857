import { acr } from './acr.ts';
import { amr } from './amr.ts';
import { authAge } from './auth-age.ts';
import { authMethod } from './auth-method.ts';
import { authenticated } from './authenticated.ts';
import { claim } from './claim.ts';
import type { Criterion } from './criterion.ts';
import { email } from './email.ts';
import { emailDomain } from './email-domain.ts';
import { groups } from './groups.ts';
import { header } from './header.ts';
import { host } from './host.ts';
import { issuer } from './issuer.ts';
import { kind } from './kind.ts';
import { kubernetes } from './kubernetes.ts';
import { method } from './method.ts';
import { path } from './path.ts';
import { query } from './query.ts';
import { sourceCidr } from './source-cidr.ts';
import { spiffeId } from './spiffe-id.ts';
import { subject } from './subject.ts';
import { tenant } from './tenant.ts';
import { timeWindow } from './time-window.ts';
import { when } from './when.ts';

/**
 * Every criterion, registered once. The rule schema (src/config/schema-policy.ts) lists the
 * same names; registry.test.ts keeps the two in step.
 */
const all = [
  authenticated,
  kind,
  subject,
  email,
  emailDomain,
  groups,
  claim,
  issuer,
  authMethod,
  spiffeId,
  kubernetes,
  method,
  path,
  host,
  header,
  query,
  sourceCidr,
  timeWindow,
  authAge,
  acr,
  amr,
  tenant,
  when,
];

/** The registered criteria. Arguments are typed per criterion; the compiler hands each the value its schema accepted. */
export const CRITERIA: readonly Criterion<unknown>[] = all as readonly Criterion<unknown>[];

const byName = new Map<string, Criterion<unknown>>(CRITERIA.map((c) => [c.name, c]));

/** The criterion registered under `name`, if any. */
export function criterionNamed(name: string): Criterion<unknown> | undefined {
  return byName.get(name);
}
