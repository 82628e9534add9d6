export const ROLES = ['viewer', 'editor', 'admin'] as const
export type Role = typeof ROLES[number]

/** Who is calling: resolved from the bearer token, or null for the public. */
export interface Principal {
  tokenId: string
  name: string
  role: Role
  /** When the token stops working, or null when it never expires. */
  expiresAt: string | null
}

/** True when `role` includes everything `required` may do. */
export function roleAtLeast (role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required)
}

/** What a caller may see: the public sees published content; viewer and up see everything but the purged. */
export type Audience = 'public' | 'staff'

export function audienceOf (principal: Principal | null): Audience {
  return principal ? 'staff' : 'public'
}
