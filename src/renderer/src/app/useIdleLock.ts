import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { profilesMutations } from '../data/profiles.mutations';

const ACTIVITY = ['keydown', 'pointerdown', 'pointermove', 'wheel'] as const;
const CHECK_EVERY_MS = 10_000;

/**
 * Locks the console after `minutes` without keyboard or pointer activity (0: never). Activity
 * only moves a timestamp; one slow interval compares it, so moving the mouse costs nothing.
 */
export function useIdleLock(minutes: number, connected: boolean): void {
  const client = useQueryClient();
  const { mutate: lock } = useMutation(profilesMutations.lock(client));
  const last = useRef(0); // set when the effect starts
  useEffect(() => {
    if (!connected || minutes <= 0) return;
    last.current = Date.now();
    const touch = () => {
      last.current = Date.now();
    };
    for (const type of ACTIVITY) window.addEventListener(type, touch, { passive: true });
    const timer = window.setInterval(() => {
      if (Date.now() - last.current >= minutes * 60_000) lock();
    }, CHECK_EVERY_MS);
    return () => {
      window.clearInterval(timer);
      for (const type of ACTIVITY) window.removeEventListener(type, touch);
    };
  }, [minutes, connected, lock]);
}
