/** Injection token for the SwitchService the HTTP shell fronts (provided by SwitchHttpModule.register). */
export const SWITCH_SERVICE = Symbol('SWITCH_SERVICE');
