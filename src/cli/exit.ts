/**
 * Ends a command with an exit code after it has printed what it had to say (a backup that finished
 * Failed, a declined prompt): `runCli` returns the code without printing anything more.
 */
export class CliExit extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message = `exit ${exitCode}`) {
    super(message);
    this.name = 'CliExit';
    this.exitCode = exitCode;
  }
}
