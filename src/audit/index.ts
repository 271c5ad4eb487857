export { AuditLog, type AuditOptions } from './audit-log.ts';
export { decisionLabel, decisionLine, decisionRecord, principalRecord } from './record.ts';
