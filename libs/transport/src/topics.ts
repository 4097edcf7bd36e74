/**
 * Topic names shared by every mode. Keys keep one transaction's (or one account's) messages in order.
 *
 * | topic                 | from → to        | key       | value                     |
 * |-----------------------|------------------|-----------|---------------------------|
 * | upi.reqpay            | PSP → switch     | txnId     | ReqPay (request; reply RespPay)     |
 * | upi.chktxn            | PSP → switch     | txnId     | ReqChkTxn (request; reply RespChkTxn) |
 * | upi.bank.req.<BANK>   | switch → bank    | account   | BankReq                   |
 * | upi.bank.resp         | bank → switch    | txnId     | BankResp                  |
 * | upi.settlement        | switch → clearing| txnId     | SettlementEntry           |
 */
export const TOPICS = {
  reqPay: 'upi.reqpay',
  chkTxn: 'upi.chktxn',
  bankReq: (bank: string) => `upi.bank.req.${bank}`,
  bankResp: 'upi.bank.resp',
  settlement: 'upi.settlement',
} as const;
