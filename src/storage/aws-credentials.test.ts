import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLifeboatError } from '../core/errors.ts';
import { parseAwsCredentialsFile, readAwsCredentialsFile } from './aws-credentials.ts';

const FILE = `# Velero's cloud-credentials secret holds this format
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key=secret/default+key

; a second profile, written the way ~/.aws/config writes them
[profile backup]
AWS_ACCESS_KEY_ID=AKIDBACKUP
aws_secret_access_key = backup-secret
aws_session_token = token==
`;

test('reads the default profile and named profiles, with or without "profile "', () => {
  assert.deepEqual(parseAwsCredentialsFile(FILE), {
    accessKeyId: 'AKIDDEFAULT',
    secretAccessKey: 'secret/default+key',
  });
  assert.deepEqual(parseAwsCredentialsFile(FILE, 'backup'), {
    accessKeyId: 'AKIDBACKUP',
    secretAccessKey: 'backup-secret',
    sessionToken: 'token==',
  });
  assert.deepEqual(
    parseAwsCredentialsFile('[default]\r\naws_access_key_id=a\r\naws_secret_access_key=b\r\n'),
    {
      accessKeyId: 'a',
      secretAccessKey: 'b',
    },
  );
});

test('a missing profile or key is Invalid and the message carries no secret', () => {
  assert.throws(
    () => parseAwsCredentialsFile(FILE, 'nope'),
    (err) => isLifeboatError(err, 'Invalid') && /"nope"/.test(err.message) && !err.message.includes('secret'),
  );
  assert.throws(
    () => parseAwsCredentialsFile('[default]\naws_secret_access_key=very-secret-value\n'),
    (err) =>
      isLifeboatError(err, 'Invalid') &&
      /aws_access_key_id/.test(err.message) &&
      !err.message.includes('very-secret-value'),
  );
});

test('reads a file by path; an unreadable path is Invalid naming the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-aws-creds-'));
  try {
    writeFileSync(join(dir, 'cloud'), FILE);
    assert.equal((await readAwsCredentialsFile(join(dir, 'cloud'), 'backup')).accessKeyId, 'AKIDBACKUP');
    await assert.rejects(
      readAwsCredentialsFile(join(dir, 'missing')),
      (err) => isLifeboatError(err, 'Invalid') && err.message.includes(join(dir, 'missing')),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
