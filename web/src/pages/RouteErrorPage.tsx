import { Link, useRouteError } from 'react-router';
import { ProblemAlert } from '../api/ProblemAlert';
import { usePageTitle } from '../components/usePageTitle';

/** Shown when a page crashes while rendering. */
export function RouteErrorPage() {
  const error = useRouteError();
  usePageTitle('Error');
  return (
    <main className="error-page">
      <h1>This page could not be shown</h1>
      <ProblemAlert error={error} />
      <p>
        <Link to="/" className="button button-secondary">
          Go to the start page
        </Link>
      </p>
    </main>
  );
}
