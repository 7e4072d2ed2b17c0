import './backups.css';
import { BackupHistory } from './BackupHistory';
import { ExportCard } from './ExportCard';
import { RestoreCard } from './RestoreCard';

export function BackupsScreen() {
  return (
    <section className="screen backups-screen" aria-labelledby="backups-title">
      <header className="screen-header">
        <h1 id="backups-title">Backups</h1>
        <p className="screen-meta">
          Versioned, checksummed files; a restore is checked in full and previewed first.
        </p>
      </header>
      <ExportCard />
      <RestoreCard />
      <BackupHistory />
    </section>
  );
}
