/** Payment categories and the five priority classes of the seed's "priority queue consensus". */
export const CATEGORIES = ['MEDICAL', 'SALARY', 'BILL', 'P2P', 'P2M'] as const;
export type Category = (typeof CATEGORIES)[number];

export type PriorityClass = 1 | 2 | 3 | 4 | 5;

export interface ClassInfo {
  readonly priority: PriorityClass;
  readonly category: Category;
  readonly label: string;
  /** The switch's queueing budget for the class (not UPI's 15 s end-to-end limit). */
  readonly deadlineMs: number;
}

export const CLASS_INFO: Readonly<Record<Category, ClassInfo>> = {
  MEDICAL: { priority: 1, category: 'MEDICAL', label: 'emergency medical', deadlineMs: 100 },
  SALARY: { priority: 2, category: 'SALARY', label: 'salary disbursement', deadlineMs: 200 },
  BILL: { priority: 3, category: 'BILL', label: 'bill payments', deadlineMs: 500 },
  P2P: { priority: 4, category: 'P2P', label: 'peer transfers', deadlineMs: 1_000 },
  P2M: { priority: 5, category: 'P2M', label: 'merchant payments', deadlineMs: 2_000 },
};

export function isCategory(x: unknown): x is Category {
  return typeof x === 'string' && (CATEGORIES as readonly string[]).includes(x);
}

export function priorityOf(c: Category): PriorityClass {
  return CLASS_INFO[c].priority;
}

/** Who started the payment: a customer, or the system (AutoPay, polls) that NPCI holds back at peak. */
export type Initiation = 'CUSTOMER' | 'SYSTEM';
