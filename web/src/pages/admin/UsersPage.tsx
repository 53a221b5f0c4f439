import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CircleCheck } from 'lucide-react';
import { useId, useState, type SubmitEvent } from 'react';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  allUsers,
  createUser,
  setUserEnabled,
  setUserRoles,
  type CreatedUser,
  type StaffUser,
} from '../../api/staff';
import { PageHeader } from '../../components/PageHeader';
import { ConfirmAction, Empty, QueryView, RoleGate } from '../../ledger/ui';
import { ROLES, type Role } from '../../navigation/roles';

const USERS_KEY = ['admin', 'users'] as const;

/** Clerks and managers belong to a branch; other roles must not carry one (server rule). */
function needsBranch(roles: readonly string[]): boolean {
  return roles.includes('clerk') || roles.includes('manager');
}
const STAFF_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'customer');

/** Users and roles: create staff, change roles, disable and enable. */
export function UsersPage() {
  return (
    <>
      <PageHeader
        eyebrow="Administration"
        title="Users & roles"
        description="Create staff accounts, change what they may do, disable and enable them. New staff activate with a one-time code on their own device."
      />
      <RoleGate area="admin">
        <NewUser />
        <UserTable />
      </RoleGate>
    </>
  );
}

function RolePicker({
  legend,
  value,
  onChange,
  roles = STAFF_ROLES,
}: {
  legend: string;
  value: readonly string[];
  onChange: (roles: string[]) => void;
  roles?: readonly Role[];
}) {
  return (
    <fieldset className="field role-picker">
      <legend>{legend}</legend>
      {roles.map((role) => (
        <label key={role} className="checkbox">
          <input
            type="checkbox"
            name={role}
            checked={value.includes(role)}
            onChange={(e) => {
              onChange(ROLES.filter((r) => (r === role ? e.target.checked : value.includes(r))));
            }}
          />{' '}
          {role}
        </label>
      ))}
    </fieldset>
  );
}

function NewUser() {
  const ids = useId();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ username: '', legalName: '', email: '', branch: '' });
  const [roles, setRoles] = useState<string[]>(['clerk']);
  const [error, setError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: createUser,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: USERS_KEY }),
  });
  const onSubmit = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!/^[a-z0-9][a-z0-9._-]{2,31}$/.test(form.username)) {
      setError('Username: 3 to 32 characters, lower-case letters, digits, dot, dash, underscore.');
      return;
    }
    if (roles.length === 0) {
      setError('Pick at least one role.');
      return;
    }
    if (needsBranch(roles) && form.branch.trim() === '') {
      setError('Clerks and managers need a branch.');
      return;
    }
    if (form.legalName.trim() === '' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.email)) {
      setError('Enter the legal name and a valid e-mail address.');
      return;
    }
    setError(null);
    create.mutate({
      username: form.username,
      roles,
      legal_name: form.legalName.trim(),
      email: form.email.trim(),
      ...(needsBranch(roles) ? { branch: form.branch.trim() } : {}),
    });
  };
  const field = (key: keyof typeof form, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`${ids}-${key}`}>{label}</label>
      <input
        id={`${ids}-${key}`}
        name={key}
        type={type}
        autoComplete="off"
        value={form[key]}
        onChange={(e) => {
          setForm({ ...form, [key]: e.target.value });
        }}
      />
    </div>
  );
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="card-title">
        New staff user
      </h2>
      <form className="form" onSubmit={onSubmit} noValidate>
        {field('username', 'Username')}
        {field('legalName', 'Legal name')}
        {field('email', 'E-mail', 'email')}
        {field('branch', 'Branch (clerks and managers)')}
        <RolePicker legend="Roles" value={roles} onChange={setRoles} />
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          Create user
        </button>
      </form>
      {create.isError && <ProblemAlert error={create.error} context="Creating the user" />}
      {create.data && <Created result={create.data} />}
    </section>
  );
}

function Created({ result }: { result: CreatedUser }) {
  return (
    <div className="notice notice-info form-result" role="status" data-testid="created-user">
      <CircleCheck aria-hidden="true" className="notice-icon" />
      <div>
        <p className="notice-title">
          {result.user.username} was created as {result.user.roles.join(', ')}.
        </p>
        <p>
          One-time activation code (shown only now):{' '}
          <code className="selectable" data-testid="activation-code">
            {result.activation_code}
          </code>
        </p>
      </div>
    </div>
  );
}

function UserTable() {
  const users = useQuery({
    queryKey: USERS_KEY,
    queryFn: ({ signal }) => allUsers(undefined, signal),
  });
  return (
    <section className="card" aria-label="Users">
      <QueryView query={users} loading="Loading users…" context="Loading users">
        {(list) =>
          list.length === 0 ? (
            <Empty title="No users" />
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="users">
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">Roles</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((u) => (
                    <UserRow key={u.id} user={u} />
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
    </section>
  );
}

function UserRow({ user }: { user: StaffUser }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [roles, setRoles] = useState<string[]>(user.roles);
  const [branch, setBranch] = useState(user.branch ?? '');
  const branchId = useId();
  const done = () => queryClient.invalidateQueries({ queryKey: USERS_KEY });
  const saveRoles = useMutation({
    mutationFn: () => setUserRoles(user.id, roles, needsBranch(roles) ? branch.trim() : undefined),
    onSuccess: () => {
      setEditing(false);
      return done();
    },
  });
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => setUserEnabled(user.id, enabled),
    onSettled: done,
  });
  const disabled = user.status === 'disabled';
  return (
    <tr data-username={user.username} data-user-id={user.id}>
      <td>
        <strong>{user.username}</strong>
        <div className="muted small">
          {user.legal_name} · {user.email}
          {user.branch ? ` · ${user.branch}` : ''}
        </div>
      </td>
      <td>
        {editing ? (
          <>
            <RolePicker
              legend={`Roles of ${user.username}`}
              value={roles}
              onChange={setRoles}
              roles={ROLES}
            />
            {needsBranch(roles) && (
              <div className="field">
                <label htmlFor={branchId}>Branch</label>
                <input
                  id={branchId}
                  value={branch}
                  onChange={(e) => {
                    setBranch(e.target.value);
                  }}
                />
              </div>
            )}
            <div className="button-row">
              <button
                type="button"
                className="button button-primary button-small"
                disabled={
                  saveRoles.isPending ||
                  roles.length === 0 ||
                  (needsBranch(roles) && branch.trim() === '')
                }
                onClick={() => {
                  saveRoles.mutate();
                }}
              >
                Save roles
              </button>
              <button
                type="button"
                className="button button-secondary button-small"
                onClick={() => {
                  setRoles(user.roles);
                  setEditing(false);
                }}
              >
                Cancel
              </button>
            </div>
            {saveRoles.isError && <ProblemAlert error={saveRoles.error} context="Changing roles" />}
          </>
        ) : (
          <span data-testid="user-roles">{user.roles.join(', ') || '—'}</span>
        )}
      </td>
      <td>{user.status}</td>
      <td>
        <div className="button-row">
          {!editing && (
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() => {
                setEditing(true);
              }}
            >
              Edit roles
            </button>
          )}
          {disabled ? (
            <button
              type="button"
              className="button button-secondary button-small"
              disabled={toggle.isPending}
              onClick={() => {
                toggle.mutate(true);
              }}
            >
              Enable
            </button>
          ) : (
            <ConfirmAction
              label="Disable"
              question={`Disable ${user.username}? Their sessions end and they cannot sign in.`}
              disabled={toggle.isPending}
              onConfirm={() => {
                toggle.mutate(false);
              }}
            />
          )}
        </div>
        {toggle.isError && <ProblemAlert error={toggle.error} context="Changing the user" />}
      </td>
    </tr>
  );
}
