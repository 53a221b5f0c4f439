import type { ReactNode } from 'react';
import type { RouteObject } from 'react-router';
import { AppShell } from './layout/AppShell';
import { ActivatePage } from './pages/auth/ActivatePage';
import { RegisterPage } from './pages/auth/RegisterPage';
import { roleAreas } from './navigation/roles';
import { AreaPage } from './pages/AreaPage';
import { CaPage } from './pages/admin/CaPage';
import { CertificatesPage } from './pages/admin/CertificatesPage';
import { SecuritySettingsPage } from './pages/admin/SecuritySettingsPage';
import { UsersPage } from './pages/admin/UsersPage';
import { AlertsPage } from './pages/audit/AlertsPage';
import { AuditLogPage } from './pages/audit/AuditLogPage';
import { CheckpointsPage } from './pages/audit/CheckpointsPage';
import { CashDeskPage } from './pages/clerk/CashDeskPage';
import { CustomersPage } from './pages/clerk/CustomersPage';
import { OnboardingPage } from './pages/clerk/OnboardingPage';
import { AccountDetailPage, AccountsPage } from './pages/customer/AccountsPage';
import { ActivityPage } from './pages/customer/ActivityPage';
import { DevicesPage } from './pages/customer/DevicesPage';
import { SessionsPage } from './pages/customer/SessionsPage';
import { BulkPaymentPage } from './pages/customer/BulkPaymentPage';
import { NewTransferPage, TransferDetailPage, TransfersPage } from './pages/customer/TransfersPage';
import { LandingPage } from './pages/LandingPage';
import { ApprovalDetailPage, ApprovalsPage } from './pages/manager/ApprovalsPage';
import { LazyReportsPage } from './pages/manager/LazyReportsPage';
import { ManagerAccountsPage } from './pages/manager/ManagerAccountsPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { RouteErrorPage } from './pages/RouteErrorPage';
import { StatusPage } from './pages/status/StatusPage';

/** Areas that are built; the others show their placeholder (with the same access rules). */
const PAGES: Readonly<Record<string, ReactNode>> = {
  '/accounts': <AccountsPage />,
  '/transfers': <TransfersPage />,
  '/devices': <DevicesPage />,
  '/sessions': <SessionsPage />,
  '/activity': <ActivityPage />,
  '/clerk/onboarding': <OnboardingPage />,
  '/clerk/customers': <CustomersPage />,
  '/clerk/cash-desk': <CashDeskPage />,
  '/manager/approvals': <ApprovalsPage />,
  '/manager/accounts': <ManagerAccountsPage />,
  '/manager/reports': <LazyReportsPage />,
  '/audit/log': <AuditLogPage />,
  '/audit/alerts': <AlertsPage />,
  '/audit/checkpoints': <CheckpointsPage />,
  '/admin/users': <UsersPage />,
  '/admin/certificates': <CertificatesPage />,
  '/admin/security': <SecuritySettingsPage />,
  '/admin/ca': <CaPage />,
};

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
        element: PAGES[item.path] ?? <AreaPage role={role} item={item} />,
      })),
      { path: 'accounts/:accountId', element: <AccountDetailPage /> },
      { path: 'transfers/new', element: <NewTransferPage /> },
      { path: 'transfers/bulk', element: <BulkPaymentPage /> },
      { path: 'transfers/:transferId', element: <TransferDetailPage /> },
      { path: 'manager/approvals/:transferId', element: <ApprovalDetailPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
