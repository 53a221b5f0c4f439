import type { RouteObject } from 'react-router';
import { AppShell } from './layout/AppShell';
import { ActivatePage } from './pages/auth/ActivatePage';
import { RegisterPage } from './pages/auth/RegisterPage';
import { roleAreas } from './navigation/roles';
import { AreaPage } from './pages/AreaPage';
import { LandingPage } from './pages/LandingPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { RouteErrorPage } from './pages/RouteErrorPage';
import { StatusPage } from './pages/status/StatusPage';

/** All routes of the app (the server falls back to index.html for any of them). */
export const routes: RouteObject[] = [
  {
    element: <AppShell />,
    errorElement: <RouteErrorPage />,
    children: [
      { index: true, element: <LandingPage /> },
      { path: 'status', element: <StatusPage /> },
      { path: 'register', element: <RegisterPage /> },
      { path: 'activate', element: <ActivatePage /> },
      ...roleAreas().map(({ role, item }) => ({
        path: item.path,
        element: <AreaPage role={role} item={item} />,
      })),
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
