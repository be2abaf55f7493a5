/**
 * Errors a caller can act on carry a stable `code`, an HTTP status and a
 * message in Arabic and English. Tests assert the code and status, never the
 * wording. Anything else that escapes a handler is a bug and becomes a 500.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly messageAr: string,
    readonly messageEn: string,
    readonly field?: string,
  ) {
    super(messageEn);
    this.name = 'AppError';
  }
}

export const notFound = (what = 'Resource') =>
  new AppError('NOT_FOUND', 404, 'لم نجد ما تبحث عنه.', `${what} not found.`);

export const badRequest = (field: string, messageAr: string, messageEn: string) =>
  new AppError('INVALID_INPUT', 400, messageAr, messageEn, field);

export const forbidden = () =>
  new AppError('FORBIDDEN', 403, 'ليست لديك صلاحية لهذا الإجراء.', 'You are not allowed to do this.');

export const unauthenticated = () => new AppError('UNAUTHENTICATED', 401, 'يلزم تسجيل الدخول.', 'Please sign in.');
