import { actorOf, type Actor } from '../../src/accounts/roles.js';
import { serverSecret } from '../../src/accounts/secret.js';
import { AccountService } from '../../src/accounts/service.js';
import { Editorial } from '../../src/content/editorial.js';
import { ensureCategory } from '../../src/content/service.js';
import type { DB } from '../../src/db/database.js';
import type { UserRow } from '../../src/db/schema.js';

/**
 * An editor on a test database, through the services (the CLI's path), with the newsroom's write service and a
 * section to publish in: for tests whose Safir runs in other processes, where no signed-in client is at hand.
 */
export async function editorOn(
  db: DB,
  email: string,
  password = 'a long test password',
): Promise<{ user: UserRow; actor: Actor; editorial: Editorial; categoryId: number }> {
  const accounts = new AccountService(db, await serverSecret(db));
  const user = await accounts.createUser({ email, name: 'محرر', role: 'editor', password });
  return {
    user,
    actor: actorOf(user),
    editorial: new Editorial(db),
    categoryId: await ensureCategory(db, { name: 'سياسة' }),
  };
}
