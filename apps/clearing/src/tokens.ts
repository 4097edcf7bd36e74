/** Injection token for the ClearingService the HTTP shell fronts (provided by ClearingHttpModule.register). */
export const CLEARING_SERVICE = Symbol('CLEARING_SERVICE');
