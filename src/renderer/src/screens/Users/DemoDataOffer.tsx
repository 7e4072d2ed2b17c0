import { formatCount } from '../../../../shared/format';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { contract } from '../../../../shared/contract';
import { roleAllows } from '../../../../shared/roles';
import { notify } from '../../app/toastStore';
import { DEMO_DEFAULTS, demoMutations } from '../../data/demo.mutations';
import { demoQueries } from '../../data/demo.queries';
import { sessionQueries } from '../../data/session.queries';

const n = (v: number) => formatCount(v);

/** Shown only while the database has no users: an admin may fill it with demo data. */
export function DemoDataOffer() {
  const client = useQueryClient();
  const status = useQuery(demoQueries.status());
  const whoami = useQuery(sessionQueries.whoami());
  const generate = useMutation(demoMutations.generate(client));
  const start = () =>
    generate.mutate(DEMO_DEFAULTS, {
      onSuccess: (r) =>
        notify(
          'success',
          `Created ${n(r.users)} users and ${n(r.transactions)} transactions in ${r.seconds.toFixed(1)} s.`,
        ),
    });
  if (!status.data?.empty) return null;
  const mayGenerate = roleAllows(whoami.data?.role ?? null, contract['demo.generate'].minRole);
  return (
    <div className="notice notice-info" data-testid="demo-offer">
      <div>
        <strong>This database has no users yet.</strong>{' '}
        {mayGenerate
          ? `Generate demo data (${n(DEMO_DEFAULTS.users)} users, ${n(DEMO_DEFAULTS.transactions)} transactions) to try the console.`
          : 'Ask an admin to load data, or connect to another database.'}
        {generate.isPending && (
          <div className="progress" role="progressbar" aria-label="Generating demo data">
            <div className="progress-bar" />
          </div>
        )}
      </div>
      {mayGenerate && (
        <button type="button" className="button button-primary" disabled={generate.isPending} onClick={start}>
          {generate.isPending ? 'Generating…' : 'Generate demo data'}
        </button>
      )}
    </div>
  );
}
