/** Injection token for the BankService the HTTP shell fronts (provided by BankHttpModule.register). */
export const BANK_SERVICE = Symbol('BANK_SERVICE');
