import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PointkeeperApi } from '../../../shared/api';
import type { ReplicaStatus as Replica, ServersStatus } from '../../../shared/contract';
import { ReplicaStatus } from './ReplicaStatus';

const PRIMARY = '10.0.0.1:5432';

function replica(overrides: Partial<Replica>): Replica {
  return {
    server: '10.0.0.2:5432',
    state: 'ok',
    lagSeconds: 0.4,
    lagBytes: 2048,
    replayPaused: false,
    maxLagSeconds: 30,
    readsFrom: 'replica',
    ...overrides,
  };
}

/** A backend answering session.servers with `status`, and session.readFrom by switching it. */
function backend(status: ServersStatus) {
  let current = status;
  const servers = vi.fn(() => Promise.resolve({ ok: true as const, data: current }));
  const readFrom = vi.fn(({ source }: { source: 'primary' | 'replica' }) => {
    current = { ...current, replica: current.replica && { ...current.replica, readsFrom: source } };
    return Promise.resolve({ ok: true as const, data: current });
  });
  window.pointkeeper = {
    calls: { 'session.servers': servers, 'session.readFrom': readFrom },
  } as unknown as PointkeeperApi;
  return { servers, readFrom };
}

function show() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ReplicaStatus />
    </QueryClientProvider>,
  );
}

afterEach(() => {
  delete window.pointkeeper;
});

describe('ReplicaStatus (status bar)', () => {
  it('shows nothing when the profile names no replica', async () => {
    const { servers } = backend({ primary: PRIMARY, replica: null });
    const { container } = show();
    await waitFor(() => expect(servers).toHaveBeenCalled());
    expect(container.textContent).toBe('');
  });

  it("shows the replica's server and lag, and that reports read there, beside the primary", async () => {
    backend({ primary: PRIMARY, replica: replica({}) });
    show();
    const field = await screen.findByTestId('status-replica');
    expect(field.textContent).toContain('10.0.0.2:5432 (lag 0.4 s / 2');
    expect(field.title).toContain(`every write goes to the primary ${PRIMARY}`);
    expect(field.querySelector('.status-error')).toBeNull();
    expect(screen.getByRole('button', { name: 'Read from the primary' })).toBeTruthy();
  });

  it('marks a replica over its bound as an error, and lets the person report from the primary instead', async () => {
    const { readFrom } = backend({
      primary: PRIMARY,
      replica: replica({ state: 'lagging', lagSeconds: 42.5, replayPaused: true, maxLagSeconds: 5 }),
    });
    show();
    const field = await screen.findByTestId('status-replica');
    expect(field.textContent).toContain('lag 42.5 s');
    expect(field.textContent).toContain('replay paused; over the 5 s bound');
    expect(field.querySelector('.status-error')).not.toBeNull();
    expect(field.title).toMatch(/Reports are refused while the replica is more than 5 s behind/);

    await userEvent.click(screen.getByRole('button', { name: 'Read from the primary' }));
    expect(readFrom).toHaveBeenCalledWith({ source: 'primary' });
    await screen.findByRole('button', { name: 'Read from the replica' });
    expect(field.textContent).toContain('reports read on the primary');
    // Reading on the primary is the person's choice, not trouble: no error shown.
    expect(field.querySelector('.status-error')).toBeNull();
  });

  it('says why a replica is unreachable', async () => {
    backend({
      primary: PRIMARY,
      replica: replica({
        state: 'unreachable',
        lagSeconds: null,
        lagBytes: null,
        replayPaused: null,
        message: 'ECONNREFUSED',
      }),
    });
    show();
    const field = await screen.findByTestId('status-replica');
    expect(field.textContent).toContain('unreachable (ECONNREFUSED)');
    expect(field.querySelector('.status-error')).not.toBeNull();
  });
});
