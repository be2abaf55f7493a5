// Runs one WordPress import in its own process, so that its peak memory is its own.
import { serverSecret } from '../src/accounts/secret.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { importWordPress } from '../src/import/wordpress.js';

const [file, dbFile] = process.argv.slice(2);
const database = openDatabase(dbFile);
await migrateToLatest(database.db, database.dialect);
const report = await importWordPress(database.db, file!, {
  media: `${dbFile}-media`,
  secret: await serverSecret(database.db),
});
await database.close();
console.log(
  JSON.stringify({
    ms: report.ms,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    posts: report.posts.created,
    comments: report.comments,
  }),
);
