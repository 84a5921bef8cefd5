import type { Command } from 'commander';
import { UsageError } from '../../../core/errors.ts';
import { addKey, changePassword, listKeys, removeKey } from '../../../repository/maintenance/index.ts';
import { formatLocalTime } from '../../output/format.ts';
import { writeJson } from '../../output/json.ts';
import { renderTable } from '../../output/table.ts';
import { type RepoContext, readPasswordFile, runRepoCommand } from './context.ts';

/** The new password for `key add` and `key passwd`: `--new-password-file`, else LIFEBOAT_NEW_PASSWORD. */
function newPassword(ctx: RepoContext, file: string | undefined): string {
  if (file) return readPasswordFile(file, '--new-password-file');
  const pw = ctx.env.LIFEBOAT_NEW_PASSWORD;
  if (pw) return pw;
  throw new UsageError('no new password: use --new-password-file or set LIFEBOAT_NEW_PASSWORD');
}

export function registerKey(repo: Command): void {
  const key = repo.command('key').description('manage the keys (passwords) that open the repository');

  key
    .command('list')
    .description('list keys; * marks the one in use')
    .action(async (_flags: object, command: Command) => {
      await runRepoCommand(command, async (ctx, r) => {
        const keys = await listKeys(r);
        if (ctx.json) {
          writeJson(
            ctx.out,
            keys.map((k) => ({
              current: k.current,
              id: k.id,
              userName: k.username,
              hostName: k.hostname,
              created: k.created,
            })),
          );
          return;
        }
        const rows = keys.map((k) => [
          `${k.current ? '*' : ' '}${k.id.slice(0, 8)}`,
          k.username,
          k.hostname,
          k.created ? formatLocalTime(k.created) : '',
        ]);
        ctx.out.write(
          renderTable(
            [{ header: ' ID' }, { header: 'User' }, { header: 'Host' }, { header: 'Created' }],
            rows,
          ),
        );
      });
    });

  key
    .command('add')
    .description('add a key (a second password) for the same data')
    .option('--new-password-file <file>', 'file holding the new password')
    .action(async (flags: { newPasswordFile?: string }, command: Command) => {
      await runRepoCommand(command, async (ctx, r) => {
        const id = await addKey(r, newPassword(ctx, flags.newPasswordFile));
        if (ctx.json) writeJson(ctx.out, { message_type: 'key_added', id });
        else ctx.out.write(`saved new key as ${id.slice(0, 8)}\n`);
      });
    });

  key
    .command('remove')
    .description('remove a key (never the one in use, never the last)')
    .argument('<id>', 'key id or unique prefix')
    .action(async (id: string, _flags: object, command: Command) => {
      await runRepoCommand(command, async (ctx, r) => {
        const removed = await removeKey(r, id);
        if (ctx.json) writeJson(ctx.out, { message_type: 'key_removed', id: removed });
        else ctx.out.write(`removed key ${removed.slice(0, 8)}\n`);
      });
    });

  key
    .command('passwd')
    .description(
      'change the password of the key in use (adds a new key, then removes the old one; data is not rewritten)',
    )
    .option('--new-password-file <file>', 'file holding the new password')
    .action(async (flags: { newPasswordFile?: string }, command: Command) => {
      await runRepoCommand(command, async (ctx, r) => {
        const { oldKeyId, newKeyId } = await changePassword(r, newPassword(ctx, flags.newPasswordFile));
        if (ctx.json)
          writeJson(ctx.out, { message_type: 'password_changed', old_key: oldKeyId, new_key: newKeyId });
        else ctx.out.write(`saved new key as ${newKeyId.slice(0, 8)}, removed ${oldKeyId.slice(0, 8)}\n`);
      });
    });
}
