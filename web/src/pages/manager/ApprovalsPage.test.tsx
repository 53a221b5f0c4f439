import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { SignedBody } from '../../api/ledger';
import { fromBase64Url } from '../../crypto/bytes';
import { compositeVerify } from '../../crypto/composite';
import {
  APPROVAL_SIGNATURE_CONTEXT,
  approvalCanonicalBytes,
  type ApprovalPayload,
} from '../../crypto/payload';
import { setDeviceSignerForTests } from '../../ledger/signing';
import { jsonResponse } from '../../test/http';
import { fakeApi, installTestSigner, SERIAL, transferJson } from '../../test/ledgerFixtures';
import { renderApp } from '../../test/render';

const MANAGER = { username: 'mona', roles: ['manager' as const] };
const T = transferJson();

afterEach(() => {
  setDeviceSignerForTests(null);
});

describe('approvals', () => {
  it('lists the queue', async () => {
    fakeApi({ 'GET /api/v1/approvals': () => jsonResponse({ items: [T], next: null }) });
    renderApp('/manager/approvals', MANAGER);
    expect(await screen.findByText('1 transfer waiting')).toBeInTheDocument();
    expect(screen.getByText('€12,000.00')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /2026/ })).toHaveAttribute(
      'href',
      `/manager/approvals/${T.id}`,
    );
  });

  it('approves with a signature over the transfer’s payload digest', async () => {
    const { key } = installTestSigner();
    let body: SignedBody | undefined;
    fakeApi({
      [`GET /api/v1/transfers/${T.id}`]: () => jsonResponse(T),
      [`POST /api/v1/transfers/${T.id}/approve`]: (b) => {
        body = b as SignedBody;
        return jsonResponse({ ...T, status: 'posted' });
      },
      'GET /api/v1/approvals': () => jsonResponse({ items: [], next: null }),
    });
    renderApp(`/manager/approvals/${T.id}`, MANAGER);
    await userEvent.click(await screen.findByRole('button', { name: /Approve/ }));
    const shown = JSON.parse(screen.getByTestId('approval-payload').textContent) as ApprovalPayload;
    expect(shown).toMatchObject({
      transfer_id: T.id,
      payload_digest: T.payload_sha256,
      decision: 'approve',
      approver_cert_serial: SERIAL,
      created_at: '2026-11-29T09:10:00Z',
    });
    await userEvent.click(screen.getByRole('button', { name: 'Sign approval' }));
    expect(await screen.findByText(/Decision recorded/)).toBeInTheDocument();
    expect(body).toEqual({ payload: shown, signature: body!.signature });
    expect(
      compositeVerify(
        key.publicKey,
        approvalCanonicalBytes(shown),
        APPROVAL_SIGNATURE_CONTEXT,
        fromBase64Url(body!.signature),
      ),
    ).toBe(true);
  });

  it('rejects only with a reason and after confirmation', async () => {
    installTestSigner();
    let body: unknown;
    fakeApi({
      [`GET /api/v1/transfers/${T.id}`]: () => jsonResponse(T),
      [`POST /api/v1/transfers/${T.id}/reject`]: (b) => {
        body = b;
        return jsonResponse({ ...T, status: 'rejected', reason: 'Unusual' });
      },
    });
    renderApp(`/manager/approvals/${T.id}`, MANAGER);
    const reject = await screen.findByRole('button', { name: 'Reject' });
    expect(reject).toBeDisabled();
    await userEvent.type(screen.getByLabelText('Reason for rejecting'), 'Unusual');
    await userEvent.click(reject);
    expect(screen.getByRole('alertdialog')).toHaveTextContent('Reject this transfer?');
    expect(body).toBeUndefined();
    await userEvent.click(screen.getByRole('button', { name: 'Reject transfer' }));
    expect(await screen.findByText(/Decision recorded/)).toBeInTheDocument();
    expect(body).toEqual({ reason: 'Unusual' });
  });
});
