/** The lifecycle core (DESIGN §6): what the cockpit's keys and the CLI verbs call. */
export { wake, decideWakeMode, waitReady, stoppedReason, externalReason } from './wake.js';
export type { WakeMode, WakeOptions, WakeResult, WakeDecision } from './wake.js';
export { reset, resetText } from './reset.js';
export type { ResetOptions, ResetResult } from './reset.js';
export { stop, start } from './stop-start.js';
export type { StopResult, StartResult } from './stop-start.js';
export { prepareAttach, attach, insideSameServer } from './attach.js';
export type { AttachPlan, AttachResult } from './attach.js';
export { createSupervisor, planSupervise, reapCandidate } from './supervise.js';
export type { Supervisor, SupervisorOptions, SuperviseReport, SuperviseActionResult, PlannedAction } from './supervise.js';
export { FileLock, holderGone, pidAlive, processStartToken, readHolder } from './lock.js';
export type { LockHolder, Liveness } from './lock.js';
export { findSpec, launchEnv, realDeps } from './common.js';
export type { LifecycleDeps, DeliverFn, VerbResult } from './common.js';
