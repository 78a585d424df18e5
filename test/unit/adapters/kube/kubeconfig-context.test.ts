// A kubeconfig's credentials that cannot be loaded: an exec plugin that failed is named without what
// it printed (that goes to the log only, masked); a missing plugin or file says what to fix.
import { describe, expect, it } from 'vitest';
import {
  CredentialPluginError,
  credentialError,
  pluginOutputLines,
} from '../../../../src/adapters/kube/kubeconfig-context.ts';

const execUser = { name: 'ci', exec: { command: 'aws' } };

describe('credentialError', () => {
  it("an exec plugin that failed: its name in the message, what it printed only in the error's output", () => {
    const e = credentialError(execUser, new Error('error: session expired\naws_session_token=FQoGZXIvYXdzEJr'));
    expect(e).toBeInstanceOf(CredentialPluginError);
    expect(e.message).toBe(
      `the kubeconfig's exec credential plugin of user "ci" (command "aws") failed before any request; what it printed is in the log only (it can hold credentials). The plugin runs on the runner as it does for kubectl: install it there and give it its own credentials (EKS: aws, GKE: gke-gcloud-auth-plugin)`,
    );
    expect(e.message).not.toContain('session');
    expect((e as CredentialPluginError).output).toBe('error: session expired\naws_session_token=FQoGZXIvYXdzEJr');
  });

  it("a plugin whose stdout is no JSON: the parser's quote of it stays out of the message", () => {
    const e = credentialError(execUser, new SyntaxError('Unexpected token \'t\', "token-abc123" is not valid JSON'));
    expect(e.message).not.toContain('token-abc123');
    expect((e as CredentialPluginError).output).toContain('token-abc123');
  });

  it('a plugin missing from the runner is a plain error saying so', () => {
    const e = credentialError(execUser, Object.assign(new Error('spawn aws ENOENT'), { code: 'ENOENT' }));
    expect(e).not.toBeInstanceOf(CredentialPluginError);
    expect(e.message).toMatch(/^the kubeconfig's exec credential plugin of user "ci" \(command "aws"\) was not found/);
  });
});

describe('pluginOutputLines', () => {
  it('masks what looks like a credential and bounds the lines', () => {
    const out = ['error: could not refresh', 'token=abc123def456', ...Array.from({ length: 30 }, (_, i) => `l${i}`)];
    const lines = pluginOutputLines(new CredentialPluginError('x', out.join('\n')));
    expect(lines[0]).toBe(
      'the exec credential plugin printed (in the log only; what looks like a credential is masked):',
    );
    expect(lines[1]).toBe('  | error: could not refresh');
    expect(lines[2]).toBe('  | token=[masked]');
    expect(lines).toHaveLength(22);
    expect(lines.at(-1)).toBe('  | … and 12 more lines');
    expect(lines.join('\n')).not.toContain('abc123def456');
  });

  it('says when the plugin printed nothing', () => {
    expect(pluginOutputLines(new CredentialPluginError('x', ''))).toEqual([
      'the exec credential plugin printed (in the log only; what looks like a credential is masked):',
      '  | (nothing)',
    ]);
  });
});
