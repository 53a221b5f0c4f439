import { Link, useLocation } from 'react-router';
import { PageHeader } from '../components/PageHeader';

/** Shown for unknown routes. */
export function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <>
      <PageHeader
        eyebrow="Error 404"
        title="Page not found"
        description={
          <>
            There is no page at <code className="path">{pathname}</code>. It may have moved, or the
            address may be mistyped.
          </>
        }
      />
      <div className="button-row">
        <Link to="/" className="button button-primary">
          Go to the start page
        </Link>
        <Link to="/status" className="button button-secondary">
          System status
        </Link>
      </div>
    </>
  );
}
