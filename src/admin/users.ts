import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type TSchema, Type as T } from 'typebox';
import { AnyQuery, FormBody, IdField, IdParams, Text } from '../web/schemas.js';
import { requireAuth, startSession } from '../accounts/http.js';
import { ROLES, isRole } from '../accounts/roles.js';
import { newTotpSecret, otpauthUri } from '../accounts/totp.js';
import type { UserRow } from '../db/schema.js';
import { AppError, badRequest, notFound } from '../shared/errors.js';
import { field as formField } from '../web/forms.js';
import { html, raw } from '../web/theme/html.js';
import { type AdminDeps, render, viewFor } from './deps.js';
import {
  type AdminView,
  csrfField,
  doneNotice,
  field,
  type FormErrors,
  formErrorsOf,
  schemaErrors,
  imageChoice,
  libraryImages,
  ROLE_NAMES,
} from './view.js';
import { emit } from '../events/outbox.js';
import { CacheKeys } from '../delivery/cache-keys.js';

/** Users (administrators) and one's own profile: name, bio, language, password, two-factor sign-in, sessions. */
const NewUserBody = FormBody({
  name: T.Optional(Text(500)),
  email: T.Optional(Text(500)),
  role: T.Optional(Text(20)),
  password: T.Optional(Text(2000)),
});
const ProfileBody = FormBody({
  name: T.Optional(Text(500)),
  bio: T.Optional(Text(10_000)),
  avatar: T.Optional(IdField),
  locale: T.Optional(Text(10)),
});
const PasswordChangeBody = FormBody({ current: T.Optional(Text(2000)), password: T.Optional(Text(2000)) });
const TwoFactorBody = FormBody({
  disable: T.Optional(Text(10)),
  confirm_password: T.Optional(Text(2000)),
  start: T.Optional(Text(10)),
  secret: T.Optional(Text(200)),
  code: T.Optional(Text(50)),
});

export async function userAdminRoutes(fastify: FastifyInstance, deps: AdminDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, db } = deps;
  const admin = { config: { access: 'manage_users' as const } };
  const self = { config: { access: 'signed-in' as const } };
  const onUser = <B extends TSchema>(body: B) => ({ ...admin, schema: { params: IdParams, body } });
  /** Profile forms show themselves again on bad input, with the message beside the field. */
  const profileForm = <B extends TSchema>(body: B) => ({ ...self, schema: { body }, attachValidation: true });

  const roleSelect = (
    view: AdminView,
    value: string,
    errors: FormErrors,
    id = 'f-role',
  ) => html`<label for="${id}">${view.t('الدور', 'Role')}</label>
${errors.role ? html`<p class="field-error">${errors.role}</p>` : ''}
<select id="${id}" name="role">${ROLES.map((r) => html`<option value="${r}" ${r === value ? raw('selected') : ''}>${view.t(...ROLE_NAMES[r])}</option>`)}</select>`;

  const usersPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    values: Record<string, string>,
    errors: FormErrors,
    status = 200,
    extra = '',
  ) => {
    const view = await viewFor(deps, req, reply);
    const users = await accounts.listUsers();
    return render(
      reply,
      view,
      { title: view.t('المستخدمون', 'Users'), section: 'users', notice: extra || doneNotice(view, req) },
      html`<table><thead><tr><th>${view.t('الاسم', 'Name')}</th><th>${view.t('البريد', 'Email')}</th><th>${view.t('الدور', 'Role')}</th><th>${view.t('تحقق بخطوتين', '2FA')}</th><th></th></tr></thead>
<tbody>${users.map(
        (u) => html`<tr><td>${u.name}</td><td dir="ltr">${u.email}</td><td>
<form method="post" action="/admin/users/${u.id}/role" class="inline">${csrfField(view)}${roleSelect(view, u.role, {}, `role-${u.id}`)} <button type="submit" class="secondary">${view.t('غيّر', 'Change')}</button></form></td>
<td>${u.totp_secret ? view.t('مفعّل', 'On') : view.t('لا', 'Off')}</td>
<td><form method="post" action="/admin/users/${u.id}/reset-link">${csrfField(view)}<button type="submit" class="secondary">${view.t('رابط إعادة تعيين', 'Reset link')}</button></form>
<form method="post" action="/admin/users/${u.id}/sign-out">${csrfField(view)}<button type="submit" class="secondary">${view.t('أخرجه من كل الأجهزة', 'Sign out everywhere')}</button></form>
${
  u.id === view.user?.id
    ? ''
    : html`<details><summary>${view.t('حذف الحساب', 'Delete account')}</summary>
<form method="post" action="/admin/users/${u.id}/delete">${csrfField(view)}
<label for="reassign-${u.id}">${view.t('تُنسب مقالاته إلى', 'Credit their articles to')}</label>
<select id="reassign-${u.id}" name="reassign">${users
        .filter((o) => o.id !== u.id)
        .map((o) => html`<option value="${o.author_id}">${o.name}</option>`)}</select>
<button type="submit" class="danger" data-confirm="${view.t('حذف الحساب نهائياً؟', 'Delete this account for good?')}">${view.t('احذف', 'Delete')}</button></form></details>`
}</td></tr>`,
      )}</tbody></table>
<form class="panel" method="post" action="/admin/users" novalidate>
<h2>${view.t('حساب جديد', 'New account')}</h2>
${csrfField(view)}
${errors._form ? html`<p class="notice error" role="alert">${errors._form}</p>` : ''}
${field({ name: 'name', label: view.t('الاسم', 'Name'), value: values.name, required: true, dir: 'auto', errors })}
${field({ name: 'email', label: view.t('البريد الإلكتروني', 'Email'), type: 'email', value: values.email, required: true, dir: 'ltr', errors })}
${roleSelect(view, values.role ?? 'contributor', errors)}
${field({ name: 'password', label: view.t('كلمة مرور أولى', 'Initial password'), type: 'password', required: true, autocomplete: 'new-password', hint: view.t('عشرة أحرف على الأقل؛ يغيّرها صاحبها من ملفه.', 'At least ten characters; the person changes it in their profile.'), errors })}
<div class="actions"><button type="submit">${view.t('أنشئ الحساب', 'Create account')}</button></div>
</form>`,
      status,
    );
  };

  app.get('/admin/users', { ...admin, schema: { querystring: AnyQuery } }, (req, reply) =>
    usersPage(req, reply, {}, {}),
  );

  app.post('/admin/users', { ...admin, schema: { body: NewUserBody }, attachValidation: true }, async (req, reply) => {
    const values = {
      name: formField(req.body, 'name'),
      email: formField(req.body, 'email'),
      role: formField(req.body, 'role'),
    };
    try {
      if (req.validationError) throw req.validationError;
      await accounts.createUser({
        ...values,
        role: values.role as UserRow['role'],
        password: formField(req.body, 'password'),
      });
    } catch (err) {
      const view = await viewFor(deps, req, reply);
      return usersPage(req, reply, values, formErrorsOf(view, err), (err as AppError).status);
    }
    return reply.redirect('/admin/users?done=created', 303);
  });

  const userParam = async (req: FastifyRequest<{ Params: { id: number } }>) => {
    const user = await accounts.userById(req.params.id);
    if (!user) throw notFound('User');
    return user;
  };

  app.post('/admin/users/:id/role', onUser(FormBody({ role: T.Optional(Text(20)) })), async (req, reply) => {
    const user = await userParam(req);
    const role = formField(req.body, 'role');
    if (!isRole(role)) throw badRequest('role', 'الدور غير معروف.', 'Unknown role.');
    await accounts.updateUser(user.id, { role });
    return reply.redirect('/admin/users?done=saved', 303);
  });

  app.post('/admin/users/:id/delete', onUser(FormBody({ reassign: T.Optional(IdField) })), async (req, reply) => {
    const user = await userParam(req);
    if (user.id === requireAuth(req).user.id)
      throw badRequest(
        'user',
        'لا يمكنك حذف حسابك وأنت داخل به.',
        'You cannot delete the account you are signed in with.',
      );
    const reassign = Number(formField(req.body, 'reassign')) || 0;
    const target = await db.selectFrom('authors').select('id').where('id', '=', reassign).executeTakeFirst();
    if (!target || reassign === user.author_id)
      throw badRequest('reassign', 'اختر من تُنسب إليه مقالاته.', 'Choose who their articles are credited to.');
    await accounts.deleteUser(user.id, reassign);
    return reply.redirect('/admin/users?done=deleted', 303);
  });

  app.post('/admin/users/:id/sign-out', onUser(FormBody({})), async (req, reply) => {
    await accounts.endAllSessions((await userParam(req)).id);
    return reply.redirect('/admin/users?done=signed-out-everywhere', 303);
  });

  /** Without email, an administrator hands the person this link by other means. */
  app.post('/admin/users/:id/reset-link', onUser(FormBody({})), async (req, reply) => {
    const user = await userParam(req);
    const token = await accounts.createResetToken(user.id);
    const { ctx } = await deps.site.get();
    const view = await viewFor(deps, req, reply);
    const link = `${ctx.origin}/admin/reset/${token}`;
    return usersPage(
      req,
      reply,
      {},
      {},
      200,
      view.t(`رابط صالح لساعة واحدة لـ ${user.name}: ${link}`, `A one-hour link for ${user.name}: ${link}`),
    );
  });

  // ---- my profile ----
  const profilePage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    errors: FormErrors,
    status = 200,
    pendingSecret?: string,
  ) => {
    const view = await viewFor(deps, req, reply);
    const { user } = requireAuth(req);
    const author = await db
      .selectFrom('authors')
      .select(['bio', 'avatar_media_id'])
      .where('id', '=', user.author_id)
      .executeTakeFirst();
    const images = await libraryImages(db);
    const uri = pendingSecret ? otpauthUri(pendingSecret, user.email, view.site.title) : '';
    return render(
      reply,
      view,
      { title: view.t('ملفي', 'My profile'), section: 'profile', notice: doneNotice(view, req) },
      html`<form class="panel" method="post" action="/admin/profile">
${csrfField(view)}
${field({ name: 'name', label: view.t('الاسم كما يظهر للقراء', 'Name as readers see it'), value: user.name, required: true, dir: 'auto', errors })}
${field({ name: 'bio', label: view.t('نبذة', 'Bio'), value: author?.bio ?? '', multiline: true, dir: 'auto', errors })}
${imageChoice(view, 'avatar', view.t('الصورة الشخصية (من المكتبة؛ بدونها تظهر الحروف الأولى)', 'Avatar (from the library; initials without one)'), author?.avatar_media_id ?? null, images)}
<label for="f-locale">${view.t('لغة لوحة التحكم', 'Admin language')}</label>
<select id="f-locale" name="locale"><option value="ar" ${user.locale === 'ar' ? raw('selected') : ''}>العربية</option><option value="en" ${user.locale === 'en' ? raw('selected') : ''}>English</option></select>
<div class="actions"><button type="submit">${view.t('حفظ', 'Save')}</button></div>
</form>
<form class="panel" method="post" action="/admin/profile/password" novalidate>
<h2>${view.t('كلمة المرور', 'Password')}</h2>
${csrfField(view)}
${field({ name: 'current', label: view.t('كلمة المرور الحالية', 'Current password'), type: 'password', required: true, autocomplete: 'current-password', errors })}
${field({ name: 'password', label: view.t('كلمة المرور الجديدة', 'New password'), type: 'password', required: true, autocomplete: 'new-password', errors })}
<div class="actions"><button type="submit">${view.t('غيّر كلمة المرور', 'Change password')}</button></div>
</form>
<form class="panel" method="post" action="/admin/profile/two-factor" novalidate>
<h2>${view.t('التحقق بخطوتين', 'Two-factor sign-in')}</h2>
${csrfField(view)}
${
  user.totp_secret
    ? html`<p>${view.t('مفعّل.', 'On.')}</p><input type="hidden" name="disable" value="1">
${field({ name: 'confirm_password', label: view.t('كلمة المرور الحالية (لإيقافه)', 'Current password (to turn it off)'), type: 'password', required: true, autocomplete: 'current-password', errors })}
<div class="actions"><button type="submit" class="secondary">${view.t('أوقفه', 'Turn off')}</button></div>`
    : pendingSecret
      ? html`<p>${view.t('أضف هذا المفتاح إلى تطبيق المصادقة ثم اكتب الرمز الذي يعرضه:', 'Add this key to your authenticator app, then enter the code it shows:')}</p>
<p dir="ltr"><code>${pendingSecret}</code></p><p dir="ltr" class="hint">${uri}</p>
<input type="hidden" name="secret" value="${pendingSecret}">
${field({ name: 'code', label: view.t('الرمز', 'Code'), required: true, autocomplete: 'one-time-code', dir: 'ltr', errors })}
<div class="actions"><button type="submit">${view.t('فعّل', 'Turn on')}</button></div>`
      : html`<input type="hidden" name="start" value="1"><div class="actions"><button type="submit">${view.t('فعّل التحقق بخطوتين', 'Set up two-factor sign-in')}</button></div>`
}
</form>
<form class="panel" method="post" action="/admin/sign-out-everywhere">
${csrfField(view)}
<h2>${view.t('الجلسات', 'Sessions')}</h2>
<div class="actions"><button type="submit" class="secondary">${view.t('اخرج من كل الأجهزة', 'Sign out everywhere')}</button></div>
</form>`,
      status,
    );
  };

  app.get('/admin/profile', { ...self, schema: { querystring: AnyQuery } }, (req, reply) =>
    profilePage(req, reply, {}),
  );

  app.post('/admin/profile', profileForm(ProfileBody), async (req, reply) => {
    const { user } = requireAuth(req);
    const name = formField(req.body, 'name').trim();
    const bio = formField(req.body, 'bio').trim();
    const view = await viewFor(deps, req, reply);
    const invalid = schemaErrors(view, req);
    if (invalid) return profilePage(req, reply, invalid, 400);
    if (!name || [...name].length > 120)
      return profilePage(
        req,
        reply,
        { name: view.t('الاسم مطلوب (120 حرفاً على الأكثر).', 'A name is required (at most 120 characters).') },
        400,
      );
    if (bio.length > 2000)
      return profilePage(req, reply, { bio: view.t('النبذة طويلة جداً.', 'The bio is too long.') }, 400);
    const locale = formField(req.body, 'locale') === 'en' ? 'en' : 'ar';
    const avatarId = Number(formField(req.body, 'avatar')) || null;
    if (avatarId && !(await db.selectFrom('media').select('id').where('id', '=', avatarId).executeTakeFirst()))
      return profilePage(req, reply, { avatar: view.t('الصورة غير موجودة.', 'The image does not exist.') }, 400);
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ name, locale, updated_at: new Date().toISOString() })
        .where('id', '=', user.id)
        .execute();
      await trx
        .updateTable('authors')
        .set({ name, bio, avatar_media_id: avatarId })
        .where('id', '=', user.author_id)
        .execute();
      await emit(trx, {
        type: 'author.changed',
        keys: [CacheKeys.author(user.author_id)],
        payload: { id: user.author_id },
      });
    });
    return reply.redirect('/admin/profile?done=saved', 303);
  });

  app.post('/admin/profile/password', profileForm(PasswordChangeBody), async (req, reply) => {
    const { user } = requireAuth(req);
    const view = await viewFor(deps, req, reply);
    const invalid = schemaErrors(view, req);
    if (invalid) return profilePage(req, reply, invalid, 400);
    const check = await accounts.signIn(user.email, formField(req.body, 'current'), req.ip);
    if (!check.ok)
      return profilePage(
        req,
        reply,
        { current: view.t('كلمة المرور الحالية غير صحيحة.', 'The current password is wrong.') },
        400,
      );
    try {
      await accounts.setPassword(user.id, formField(req.body, 'password'));
    } catch (err) {
      return profilePage(req, reply, formErrorsOf(view, err), (err as AppError).status);
    }
    // setPassword ended every session; keep this browser signed in with a fresh one.
    const { token } = await accounts.createSession(user.id, String(req.headers['user-agent'] ?? ''));
    startSession(req, reply, token);
    return reply.redirect('/admin/profile?done=password-changed', 303);
  });

  app.post('/admin/profile/two-factor', profileForm(TwoFactorBody), async (req, reply) => {
    const { user } = requireAuth(req);
    const view = await viewFor(deps, req, reply);
    const invalid = schemaErrors(view, req);
    if (invalid) return profilePage(req, reply, invalid, 400);
    if (formField(req.body, 'disable')) {
      // Turning a protection off asks for the password again: a session left open is not enough.
      const check = await accounts.signIn(user.email, formField(req.body, 'confirm_password'), req.ip);
      if (!check.ok)
        return profilePage(
          req,
          reply,
          { confirm_password: view.t('كلمة المرور الحالية غير صحيحة.', 'The current password is wrong.') },
          400,
        );
      await accounts.setTotpSecret(user.id, null);
      return reply.redirect('/admin/profile?done=two-factor-off', 303);
    }
    if (formField(req.body, 'start')) return profilePage(req, reply, {}, 200, newTotpSecret());
    const secret = formField(req.body, 'secret');
    if (!/^[A-Z2-7]{32}$/.test(secret)) throw badRequest('secret', 'المفتاح غير صالح.', 'Invalid key.');
    if (!(await accounts.setTotpSecret(user.id, secret, formField(req.body, 'code'))))
      return profilePage(
        req,
        reply,
        { code: view.t('الرمز غير صحيح؛ تأكد من ضبط ساعة الجهاز.', 'Wrong code; check the device clock.') },
        400,
        secret,
      );
    return reply.redirect('/admin/profile?done=two-factor-on', 303);
  });
}
