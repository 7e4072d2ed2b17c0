import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { applyTheme } from './app/theme';
import { notify } from './app/toastStore';
import { createQueryClient } from './data/queryClient';
import './styles/tokens.css';
import './styles/base.css';
import './styles/app.css';

applyTheme();
const queryClient = createQueryClient((message) => notify('error', message));
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
