import type { FastifyInstance } from 'fastify';
import { type AdminDeps, render, safeNext, viewFor } from '../admin/deps.js';
import { type AdminView, csrfField, field, type FormErrors, schemaErrors } from '../admin/view.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from 'typebox';
import { AnyQuery, FormBody, Text } from '../web/schemas.js';
import { AppError } from '../shared/errors.js';
import { html } from '../web/theme/html.js';
import { endSessionCookie, requireAuth, sessionToken, startSession } from './http.js';
import { field as formField } from '../web/forms.js';

/** Sign-in (with the optional second factor), sign-out, and password reset by emailed link. */
const NextQuery = T.Object({ next: T.Optional(Text(2000)) }, { additionalProperties: Text(2000) });
const SignInBody = FormBody({
  email: T.Optional(Text(500)),
  password: T.Optional(Text(2000)),
  next: T.Optional(Text(2000)),
});
const CodeBody = FormBody({ code: T.Optional(Text(50)), next: T.Optional(Text(2000)) });
const EmailBody = FormBody({ email: T.Optional(Text(500)) });
const PasswordBody = FormBody({ password: T.Optional(Text(2000)) });
const TokenParams = T.Object({ token: Text(200) });

export async function accountRoutes(fastify: FastifyInstance, deps: AdminDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts } = deps;
  const open = { config: { access: 'guest' as const } };
  // Forms answer bad input by showing themselves again, so their handlers read the schema's verdict.
  const form = <B>(body: B) => ({ ...open, schema: { body }, attachValidation: true });

  const signInForm = (
    view: AdminView,
    email: string,
    next: string,
    errors: FormErrors,
  ) => html`<div class="sign-in panel">
<form method="post" action="/admin/sign-in" novalidate>
${csrfField(view)}
<input type="hidden" name="next" value="${next}">
${field({ name: 'email', label: view.t('البريد الإلكتروني', 'Email'), type: 'email', value: email, required: true, autocomplete: 'username', dir: 'ltr', errors })}
${field({ name: 'password', label: view.t('كلمة المرور', 'Password'), type: 'password', required: true, autocomplete: 'current-password', errors })}
<div class="actions"><button type="submit">${view.t('دخول', 'Sign in')}</button></div>
</form>
<p><a href="/admin/forgot">${view.t('نسيت كلمة المرور؟', 'Forgot your password?')}</a></p>
</div>`;

  app.get('/admin/sign-in', { ...open, schema: { querystring: NextQuery } }, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    if (req.auth?.session.verified) return reply.redirect(safeNext(req.query.next));
    return render(
      reply,
      view,
      { title: view.t('تسجيل الدخول', 'Sign in') },
      signInForm(view, '', safeNext(req.query.next), {}),
    );
  });

  app.post('/admin/sign-in', form(SignInBody), async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const email = formField(req.body, 'email').trim();
    const password = formField(req.body, 'password');
    const next = safeNext(formField(req.body, 'next'));
    const title = view.t('تسجيل الدخول', 'Sign in');
    const invalid = schemaErrors(view, req);
    if (invalid) return render(reply, view, { title }, signInForm(view, email, next, invalid), 400);
    if (!email || !password) {
      const errors: FormErrors = {};
      if (!email) errors.email = view.t('اكتب بريدك الإلكتروني.', 'Enter your email.');
      if (!password) errors.password = view.t('اكتب كلمة المرور.', 'Enter your password.');
      return render(reply, view, { title }, signInForm(view, email, next, errors), 400);
    }
    const result = await accounts.signIn(email, password, req.ip);
    if (!result.ok) {
      const locked = result.reason === 'locked';
      const message = locked
        ? view.t(
            'محاولات كثيرة خاطئة. انتظر ربع ساعة ثم حاول مجدداً، أو أعد تعيين كلمة المرور.',
            'Too many failed attempts. Wait a quarter of an hour and try again, or reset your password.',
          )
        : view.t('البريد الإلكتروني أو كلمة المرور غير صحيحة.', 'The email or password is incorrect.');
      return render(reply, view, { title, error: message }, signInForm(view, email, next, {}), locked ? 429 : 401);
    }
    const old = sessionToken(req);
    if (old) await accounts.endSession(old);
    const { token } = await accounts.createSession(
      result.user.id,
      String(req.headers['user-agent'] ?? ''),
      !result.needsSecondFactor,
    );
    startSession(req, reply, token, !result.needsSecondFactor);
    req.log.info({ userId: result.user.id }, 'signed in');
    return reply.redirect(result.needsSecondFactor ? `/admin/two-factor?next=${encodeURIComponent(next)}` : next, 303);
  });

  const twoFactorForm = (view: AdminView, next: string, errors: FormErrors) => html`<div class="sign-in panel">
<form method="post" action="/admin/two-factor">
${csrfField(view)}
<input type="hidden" name="next" value="${next}">
${field({ name: 'code', label: view.t('رمز التحقق من تطبيق المصادقة', 'Code from your authenticator app'), required: true, autocomplete: 'one-time-code', dir: 'ltr', errors, extra: html`inputmode="numeric"` })}
<div class="actions"><button type="submit">${view.t('تحقق', 'Verify')}</button></div>
</form></div>`;

  app.get('/admin/two-factor', { ...open, schema: { querystring: NextQuery } }, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    if (!req.auth || req.auth.session.verified) return reply.redirect('/admin/sign-in');
    return render(
      reply,
      view,
      { title: view.t('التحقق بخطوتين', 'Two-factor sign-in') },
      twoFactorForm(view, safeNext(req.query.next), {}),
    );
  });

  app.post('/admin/two-factor', form(CodeBody), async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const token = sessionToken(req);
    const next = safeNext(formField(req.body, 'next'));
    const done =
      token && !req.validationError ? await accounts.verifySecondFactor(token, formField(req.body, 'code')) : null;
    if (!done) {
      const errors = { code: view.t('الرمز غير صحيح أو انتهت صلاحيته.', 'The code is wrong or has expired.') };
      return render(
        reply,
        view,
        { title: view.t('التحقق بخطوتين', 'Two-factor sign-in') },
        twoFactorForm(view, next, errors),
        401,
      );
    }
    startSession(req, reply, done.token);
    return reply.redirect(next, 303);
  });

  const signedIn = { config: { access: 'signed-in' as const }, schema: { body: FormBody({}) } };
  app.post('/admin/sign-out', signedIn, async (req, reply) => {
    const token = sessionToken(req);
    if (token) await accounts.endSession(token);
    endSessionCookie(req, reply);
    return reply.redirect('/admin/sign-in', 303);
  });

  app.post('/admin/sign-out-everywhere', signedIn, async (req, reply) => {
    await accounts.endAllSessions(requireAuth(req).user.id);
    endSessionCookie(req, reply);
    return reply.redirect('/admin/sign-in', 303);
  });

  // ---- password reset ----

  const forgotForm = (view: AdminView, errors: FormErrors) => html`<div class="sign-in panel">
<form method="post" action="/admin/forgot">
${csrfField(view)}
${field({ name: 'email', label: view.t('البريد الإلكتروني', 'Email'), type: 'email', required: true, autocomplete: 'username', dir: 'ltr', errors })}
<div class="actions"><button type="submit">${view.t('أرسل رابط إعادة التعيين', 'Send a reset link')}</button></div>
</form></div>`;

  app.get('/admin/forgot', { ...open, schema: { querystring: AnyQuery } }, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    return render(
      reply,
      view,
      { title: view.t('إعادة تعيين كلمة المرور', 'Reset your password') },
      forgotForm(view, {}),
    );
  });

  app.post('/admin/forgot', form(EmailBody), async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const title = view.t('إعادة تعيين كلمة المرور', 'Reset your password');
    const email = formField(req.body, 'email');
    const invalid = schemaErrors(view, req);
    if (invalid) return render(reply, view, { title }, forgotForm(view, invalid), 400);
    if (!email.trim())
      return render(
        reply,
        view,
        { title },
        forgotForm(view, { email: view.t('اكتب بريدك الإلكتروني.', 'Enter your email.') }),
        400,
      );
    const origin = deps.siteUrl.mailOrigin;
    // 409, not 503: the request is fine, the site is set up without mail (the fuzz test keeps every answer below 500).
    if (!deps.mailer.configured || !origin) {
      if (!origin) req.log.warn(deps.siteUrl.problem?.en);
      const error = view.t(
        'البريد الصادر غير مهيأ على هذا الموقع. اطلب من المدير رابط إعادة تعيين (safir user reset-link).',
        'Outgoing email is not set up on this site. Ask an administrator for a reset link (safir user reset-link).',
      );
      return render(reply, view, { title, error }, forgotForm(view, {}), 409);
    }
    // All of it in the background: the answer takes the same time, and meets the same faults, whether or not
    // the address has an account (a lookup, a token and a mail only for real ones would tell who has one).
    void (async () => {
      const user = await accounts.userByEmail(email);
      if (!user || !(await accounts.mayRequestReset(user.id))) return;
      const token = await accounts.createResetToken(user.id);
      const { ctx } = await deps.site.get();
      const link = `${origin}/admin/reset/${token}`;
      await deps.mailer.send({
        to: user.email,
        subject: `${ctx.site.title}: إعادة تعيين كلمة المرور / Password reset`,
        text: `افتح هذا الرابط خلال ساعة لاختيار كلمة مرور جديدة:\n${link}\n\nOpen this link within an hour to choose a new password.\nIf you did not ask for it, ignore this message.`,
      });
    })().catch((err: unknown) => req.log.error({ err }, 'reset mail failed'));
    // The same answer whether or not the address has an account.
    const notice = view.t(
      'إن كان للعنوان حساب، فقد أرسلنا إليه رابطاً صالحاً لساعة واحدة.',
      'If the address has an account, a link valid for one hour is on its way.',
    );
    return render(reply, view, { title, notice }, html``);
  });

  const resetForm = (view: AdminView, token: string, errors: FormErrors) => html`<div class="sign-in panel">
<form method="post" action="/admin/reset/${token}">
${csrfField(view)}
${field({ name: 'password', label: view.t('كلمة المرور الجديدة', 'New password'), type: 'password', required: true, autocomplete: 'new-password', hint: view.t('عشرة أحرف على الأقل.', 'At least ten characters.'), errors })}
<div class="actions"><button type="submit">${view.t('احفظ كلمة المرور', 'Save the password')}</button></div>
</form></div>`;

  const resetPage = { ...open, schema: { params: TokenParams, querystring: AnyQuery } };
  app.get('/admin/reset/:token', resetPage, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    const title = view.t('كلمة مرور جديدة', 'New password');
    if (!(await accounts.resetTokenUser(req.params.token)))
      return render(
        reply,
        view,
        { title, error: view.t('الرابط غير صالح أو انتهت صلاحيته.', 'The link is invalid or has expired.') },
        html`<p><a href="/admin/forgot">${view.t('اطلب رابطاً جديداً', 'Ask for a new link')}</a></p>`,
        400,
      );
    return render(reply, view, { title }, resetForm(view, req.params.token, {}));
  });

  const resetSubmit = { ...open, schema: { body: PasswordBody, params: TokenParams }, attachValidation: true };
  app.post('/admin/reset/:token', resetSubmit, async (req, reply) => {
    const view = await viewFor(deps, req, reply);
    try {
      if (req.validationError) throw req.validationError;
      await accounts.resetPassword(req.params.token, formField(req.body, 'password'));
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      const errors = { [err.field ?? 'password']: view.t(err.messageAr, err.messageEn) };
      return render(
        reply,
        view,
        { title: view.t('كلمة مرور جديدة', 'New password') },
        resetForm(view, req.params.token, errors),
        err.status,
      );
    }
    return reply.redirect('/admin/sign-in?done=password-changed', 303);
  });
}
