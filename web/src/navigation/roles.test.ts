// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { navSectionsFor, parseRoles, roleAreas, ROLES, type Role } from './roles';

function labels(roles: Role[]): string[] {
  return navSectionsFor(roles).flatMap((section) => section.items.map((item) => item.label));
}

describe('navigation per role', () => {
  it('gives each role its own links', () => {
    expect(labels(['customer'])).toEqual([
      'Accounts',
      'Transfers',
      'Devices & certificates',
      'Sessions',
      'My activity',
    ]);
    expect(labels(['clerk'])).toEqual(['Onboarding', 'Customers', 'Cash desk']);
    expect(labels(['manager'])).toEqual(['Approvals', 'Accounts', 'Reports']);
    expect(labels(['auditor'])).toEqual(['Audit log', 'Alerts', 'Checkpoints']);
    expect(labels(['admin'])).toEqual(['Users & roles', 'Certificates', 'Security settings', 'CA']);
  });

  it('shows no role sections without roles', () => {
    expect(navSectionsFor([])).toEqual([]);
  });

  it('orders sections canonically and drops duplicates', () => {
    expect(navSectionsFor(['admin', 'clerk', 'admin']).map((s) => s.role)).toEqual([
      'clerk',
      'admin',
    ]);
  });

  it('parses untrusted role lists', () => {
    expect(parseRoles(['auditor', 'root', 'customer', 'auditor'])).toEqual(['customer', 'auditor']);
  });

  it('gives every area a unique path', () => {
    const paths = roleAreas().map(({ item }) => item.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(roleAreas().map(({ role }) => role)).toEqual(
      ROLES.flatMap((role) => Array<Role>(navSectionsFor([role])[0]!.items.length).fill(role)),
    );
  });
});
