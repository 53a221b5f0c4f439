/** A JSON response as the server would send it. */
export function jsonResponse(body: unknown, init: ResponseInit = {}, type = 'application/json') {
  return new Response(JSON.stringify(body), {
    status: 200,
    ...init,
    headers: { 'content-type': type, ...(init.headers as Record<string, string> | undefined) },
  });
}
