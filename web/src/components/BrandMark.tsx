/** The pqbank logo: a shield built from a small lattice. Decorative. */
export function BrandMark({ className }: { className?: string }) {
  return (
    <svg
      className={className}
      viewBox="0 0 32 32"
      width="28"
      height="28"
      aria-hidden="true"
      focusable="false"
    >
      <path
        d="M16 2.5 4.5 6.8v8.4c0 7.2 4.9 12.6 11.5 14.3 6.6-1.7 11.5-7.1 11.5-14.3V6.8Z"
        fill="currentColor"
        opacity="0.16"
      />
      <path
        d="M16 2.5 4.5 6.8v8.4c0 7.2 4.9 12.6 11.5 14.3 6.6-1.7 11.5-7.1 11.5-14.3V6.8Z"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinejoin="round"
      />
      <g fill="currentColor">
        <circle cx="11" cy="12" r="1.6" />
        <circle cx="16" cy="12" r="1.6" />
        <circle cx="21" cy="12" r="1.6" />
        <circle cx="11" cy="17" r="1.6" />
        <circle cx="16" cy="17" r="1.6" />
        <circle cx="21" cy="17" r="1.6" />
        <circle cx="16" cy="22" r="1.6" />
      </g>
      <path
        d="M11 12h10M11 17h10M16 12v10M11 12l5 5 5-5M11 17l5 5 5-5"
        fill="none"
        stroke="currentColor"
        strokeWidth="0.9"
        opacity="0.7"
      />
    </svg>
  );
}
