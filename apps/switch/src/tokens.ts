/** Injection token for the SwitchService the HTTP shell fronts (provided by SwitchHttpModule.register). */
export const SWITCH_SERVICE = Symbol('SWITCH_SERVICE');
/** Injection token for the replica's Raft view (null on a single node). */
export const RAFT_VIEW = Symbol('RAFT_VIEW');
