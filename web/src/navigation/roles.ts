/** Staff and customer roles, and the navigation each one gets. */
import type { LucideIcon } from 'lucide-react';
import {
  Activity,
  ArrowLeftRight,
  Banknote,
  BellRing,
  ChartColumn,
  ClipboardCheck,
  FileBadge,
  History,
  House,
  Landmark,
  ListChecks,
  Milestone,
  MonitorSmartphone,
  ScrollText,
  ShieldHalf,
  Stamp,
  UserCog,
  UserPlus,
  Users,
  Wallet,
} from 'lucide-react';

/** All roles, in the order their sections appear. */
export const ROLES = ['customer', 'clerk', 'manager', 'auditor', 'admin'] as const;

/** A pqbank role. */
export type Role = (typeof ROLES)[number];

/** Whether a string names a role. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Keeps the known roles of an untrusted list, in canonical order, without duplicates. */
export function parseRoles(values: readonly string[]): Role[] {
  const given = new Set(values);
  return ROLES.filter((role) => given.has(role));
}

/** One sidebar link. */
export interface NavItem {
  /** Route path. */
  path: string;
  label: string;
  /** One sentence shown on the area's page. */
  summary: string;
  icon: LucideIcon;
}

/** The links of one role, under a heading. */
export interface NavSection {
  role: Role;
  title: string;
  items: readonly NavItem[];
}

/** Links everybody sees. */
export const PUBLIC_NAV: readonly NavItem[] = [
  { path: '/', label: 'Home', summary: 'Sign in to pqbank.', icon: House },
  {
    path: '/status',
    label: 'System status',
    summary: 'Health of the pqbank server.',
    icon: Activity,
  },
];

/** Links per role. */
export const ROLE_NAV: Readonly<Record<Role, NavSection>> = {
  customer: {
    role: 'customer',
    title: 'My banking',
    items: [
      {
        path: '/accounts',
        label: 'Accounts',
        summary: 'Balances and statements of your accounts.',
        icon: Wallet,
      },
      {
        path: '/transfers',
        label: 'Transfers',
        summary: 'Send money and follow your transfers.',
        icon: ArrowLeftRight,
      },
      {
        path: '/devices',
        label: 'Devices & certificates',
        summary: 'Your enrolled devices and their certificates.',
        icon: MonitorSmartphone,
      },
      {
        path: '/sessions',
        label: 'Sessions',
        summary: 'Where you are signed in, and sign-out elsewhere.',
        icon: History,
      },
      {
        path: '/activity',
        label: 'My activity',
        summary: 'Your own events in the audit log, each verifiable in this browser.',
        icon: ListChecks,
      },
    ],
  },
  clerk: {
    role: 'clerk',
    title: 'Branch',
    items: [
      {
        path: '/clerk/onboarding',
        label: 'Onboarding',
        summary: 'Open customer relationships and enrol first devices.',
        icon: UserPlus,
      },
      {
        path: '/clerk/customers',
        label: 'Customers',
        summary: 'Find customers and their accounts.',
        icon: Users,
      },
      {
        path: '/clerk/cash-desk',
        label: 'Cash desk',
        summary: 'Cash deposits and withdrawals at the counter.',
        icon: Banknote,
      },
    ],
  },
  manager: {
    role: 'manager',
    title: 'Management',
    items: [
      {
        path: '/manager/approvals',
        label: 'Approvals',
        summary: 'Operations waiting for a second pair of eyes.',
        icon: ClipboardCheck,
      },
      {
        path: '/manager/accounts',
        label: 'Accounts',
        summary: 'All accounts of the branch: limits, freezes, closures.',
        icon: Landmark,
      },
      {
        path: '/manager/reports',
        label: 'Reports',
        summary: 'Balances, volumes and activity over time.',
        icon: ChartColumn,
      },
    ],
  },
  auditor: {
    role: 'auditor',
    title: 'Audit',
    items: [
      {
        path: '/audit/log',
        label: 'Audit log',
        summary: 'The tamper-evident log of every operation.',
        icon: ScrollText,
      },
      {
        path: '/audit/alerts',
        label: 'Alerts',
        summary: 'Unusual activity that needs a look.',
        icon: BellRing,
      },
      {
        path: '/audit/checkpoints',
        label: 'Checkpoints',
        summary: 'Signed log checkpoints and their consistency proofs.',
        icon: Milestone,
      },
    ],
  },
  admin: {
    role: 'admin',
    title: 'Administration',
    items: [
      {
        path: '/admin/users',
        label: 'Users & roles',
        summary: 'Staff accounts and the roles they hold.',
        icon: UserCog,
      },
      {
        path: '/admin/certificates',
        label: 'Certificates',
        summary: 'Issued certificates, renewals and revocations.',
        icon: FileBadge,
      },
      {
        path: '/admin/security',
        label: 'Security settings',
        summary: 'Algorithms, session lifetimes and policies.',
        icon: ShieldHalf,
      },
      {
        path: '/admin/ca',
        label: 'CA',
        summary: 'The hybrid certificate authority: keys, CRLs, rotation.',
        icon: Stamp,
      },
    ],
  },
};

/** The sidebar sections for a set of roles, in canonical role order. */
export function navSectionsFor(roles: readonly Role[]): NavSection[] {
  const held = new Set(roles);
  return ROLES.filter((role) => held.has(role)).map((role) => ROLE_NAV[role]);
}

/** Every role-specific area, with the role that opens it (for the router). */
export function roleAreas(): { role: Role; item: NavItem }[] {
  return ROLES.flatMap((role) => ROLE_NAV[role].items.map((item) => ({ role, item })));
}
