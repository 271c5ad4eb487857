export { AuditLog, type AuditOptions } from './audit-log.ts';
export { decisionLabel, decisionRecord, principalRecord } from './record.ts';
