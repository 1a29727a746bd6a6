/**
 * The request schemas of a page an Action redirects to (consent, linking): the redirect's query
 * (the Action's session token, the login's state, the language) and the page's form post, which
 * carries the same fields back with the user's answer.
 */
const REDIRECT_FIELDS = {
  session_token: { type: 'string', minLength: 1, maxLength: 4096 },
  state: { type: 'string', minLength: 1, maxLength: 512 },
  ui_locales: { type: 'string', maxLength: 100 },
} as const;

export const actionPageQuerySchema = {
  type: 'object',
  required: ['session_token', 'state'],
  properties: REDIRECT_FIELDS,
} as const;

/**
 * `answers`: the page's buttons; `extra`: its other fields. No `_csrf` requirement: a missing
 * token is the CSRF check's 403, not a validation 400.
 */
export function actionPageBodySchema(answers: readonly string[], extra: Record<string, object> = {}): object {
  return {
    type: 'object',
    required: ['session_token', 'state', 'answer'],
    properties: {
      ...REDIRECT_FIELDS,
      answer: { type: 'string', enum: [...answers] },
      ...extra,
      _csrf: { type: 'string', maxLength: 200 },
    },
  };
}
