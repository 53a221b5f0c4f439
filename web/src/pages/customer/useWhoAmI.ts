import { useQuery } from '@tanstack/react-query';
import { SECURITY_KEYS, whoAmI } from '../../api/security';

/** Who is signed in, from the server (user id, this session's device and certificate). */
export function useWhoAmI() {
  return useQuery({ queryKey: SECURITY_KEYS.me, queryFn: ({ signal }) => whoAmI(signal) });
}
