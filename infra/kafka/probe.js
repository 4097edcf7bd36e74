// Readiness probe: exits 0 once the brokers answer a metadata request that lists at least EXPECT
// brokers, 1 after TIMEOUT seconds. Used by kafka.sh/cluster.sh `wait`.
//   node infra/kafka/probe.js 127.0.0.1:9092[,…] [EXPECT=1] [TIMEOUT_SECONDS=60]
'use strict';
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const brokers = (process.argv[2] || '127.0.0.1:9092').split(',');
  const expect = Number(process.argv[3] || 1);
  const deadline = Date.now() + Number(process.argv[4] || 60) * 1000;
  const kafka = new Kafka({
    clientId: 'upi-kafka-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  let last = 'no answer';
  while (Date.now() < deadline) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const { brokers: seen, controller } = await admin.describeCluster();
      if (seen.length >= expect && controller !== null && controller !== -1) {
        console.log(`kafka ready: ${seen.length} broker(s) at ${brokers.join(',')}`);
        return 0;
      }
      last = `${seen.length} of ${expect} broker(s) registered`;
    } catch (err) {
      last = err && err.message ? err.message : String(err);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  console.error(`kafka not ready at ${brokers.join(',')}: ${last}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
