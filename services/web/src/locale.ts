/** The languages the pages are written in; forms carry their labels in the same two. */
export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

export const isLocale = (value: unknown): value is Locale => LOCALES.includes(value as Locale);

const en = {
  'service.name': 'govmesh public services',
  'nav.services': 'Services',
  'nav.myCases': 'My cases',
  'nav.signIn': 'Sign in',
  'nav.signOut': 'Sign out',
  'nav.language': 'Language',
  skip: 'Skip to main content',
  'catalogue.title': 'Apply for a public service',
  'catalogue.lead': 'Apply online at any hour. You can follow your case here until it is decided.',
  'catalogue.agency': 'Run by',
  'catalogue.apply': 'Apply',
  'catalogue.closed': 'Not taking applications',
  'catalogue.empty': 'No services are published yet.',
  'apply.title': 'Apply: {service}',
  'apply.submit': 'Send application',
  'apply.optional': '(optional)',
  'apply.signedInAs': 'You are applying as {subject}.',
  'errors.title': 'There is a problem',
  'errors.required': 'Enter {field}',
  'errors.invalid': '{field}: {message}',
  'errors.notAField': 'The application has a value the form does not ask for ({path})',
  'errors.page': 'Sorry, there is a problem with the service',
  'errors.tryLater': 'Try again later. Nothing you sent has been lost.',
  'errors.notFound': 'Page not found',
  'errors.forbidden': 'You cannot see this page',
  'errors.forbiddenRole': 'You are signed in as a {role}. This page is for citizens.',
  'errors.session': 'Your session has expired. Sign in again: what you typed is kept.',
  'submitted.title': 'Application sent',
  'submitted.reference': 'Your reference',
  'cases.title': 'My cases',
  'cases.empty': 'You have not applied for anything yet.',
  'cases.service': 'Service',
  'cases.submitted': 'Sent',
  'cases.status': 'Status',
  'case.title': 'Your case',
  'case.reference': 'Reference',
  'case.service': 'Service',
  'case.status': 'Status',
  'case.now': 'What is happening now',
  'case.stepDeadline': 'Due by',
  'case.statutoryDeadline': 'Decision due by law by',
  'case.decision': 'Decision',
  'case.timeline': 'What has happened',
  'case.answered': 'Thank you: your answer has been sent to the agency.',
  'case.rated': 'Thank you for rating this service.',
  'input.title': 'We need more information',
  'input.submit': 'Send the information',
  'rating.title': 'How was this service?',
  'rating.legend': 'Your rating, from 1 (very poor) to 5 (very good)',
  'rating.submit': 'Send rating',
  'rating.choose': 'Choose a rating from 1 to 5',
  'notice.title': 'Important',
  'nav.transparency': 'Performance',
  'transparency.title': 'How our services perform',
  'transparency.lead':
    'Figures for every service, from the audit ledger. Counts under {below} are not shown, so that no one can be identified.',
  'transparency.service': 'Service',
  'transparency.received': 'Applications',
  'transparency.completed': 'Decided',
  'transparency.failed': 'Not completed',
  'transparency.onTime': 'Decided within the legal time limit',
  'transparency.median': 'Typical time to a decision',
  'transparency.satisfaction': 'Satisfaction (out of 5)',
  'transparency.withheld': 'fewer than {below}',
  'transparency.none': 'none yet',
  'transparency.chart': 'Share decided within the legal time limit',
  'transparency.empty': 'No figures yet.',
  'duration.days': '{n} days',
  'duration.hours': '{n} hours',
  'duration.minutes': '{n} minutes',
  'duration.seconds': '{n} seconds',
  'status.running': 'In progress',
  'status.completed': 'Decided',
  'status.failed': 'Could not be completed',
  'status.withdrawn': 'Withdrawn',
  'status.erased': 'Closed; personal data erased',
  'step.running': 'In progress: {step}',
  'step.awaiting-partner': "Being carried out on the agency's behalf: {step}",
  'step.awaiting-review': 'An officer is checking the result of: {step}',
  'step.awaiting-officer': 'An officer is deciding: {step}',
  'step.awaiting-citizen': 'We are waiting for information from you',
  'step.failed': 'Could not be completed: {step}',
  'footer.about':
    "govmesh: public services run by agencies and their contracted partners, under the agencies' control.",
  'signIn.failed': 'Signing in did not work: {reason}. Try again.',
} as const;

export type MessageKey = keyof typeof en;

const zhCN: Record<MessageKey, string> = {
  'service.name': 'govmesh 政务服务',
  'nav.services': '服务事项',
  'nav.myCases': '我的办件',
  'nav.signIn': '登录',
  'nav.signOut': '退出',
  'nav.language': '语言',
  skip: '跳到主要内容',
  'catalogue.title': '在线申请政务服务',
  'catalogue.lead': '全天候在线申请，并可在此跟踪办理进度直至办结。',
  'catalogue.agency': '主管部门',
  'catalogue.apply': '申请',
  'catalogue.closed': '暂停受理',
  'catalogue.empty': '尚未发布任何服务。',
  'apply.title': '申请：{service}',
  'apply.submit': '提交申请',
  'apply.optional': '（选填）',
  'apply.signedInAs': '您以 {subject} 的身份申请。',
  'errors.title': '请更正以下问题',
  'errors.required': '请填写{field}',
  'errors.invalid': '{field}：{message}',
  'errors.notAField': '申请中含有表单未要求的内容（{path}）',
  'errors.page': '抱歉，服务出现问题',
  'errors.tryLater': '请稍后再试。您提交的内容不会丢失。',
  'errors.notFound': '页面不存在',
  'errors.forbidden': '您无权查看此页面',
  'errors.forbiddenRole': '您以{role}身份登录。此页面面向申请人。',
  'errors.session': '登录已过期，请重新登录：您填写的内容已保留。',
  'submitted.title': '申请已提交',
  'submitted.reference': '办件编号',
  'cases.title': '我的办件',
  'cases.empty': '您还没有提交过申请。',
  'cases.service': '服务事项',
  'cases.submitted': '提交时间',
  'cases.status': '状态',
  'case.title': '办件详情',
  'case.reference': '办件编号',
  'case.service': '服务事项',
  'case.status': '状态',
  'case.now': '当前进展',
  'case.stepDeadline': '本环节办理期限',
  'case.statutoryDeadline': '法定办结期限',
  'case.decision': '办理结果',
  'case.timeline': '办理过程',
  'case.answered': '谢谢，您补充的材料已提交给办理部门。',
  'case.rated': '感谢您对本服务的评价。',
  'input.title': '请补充材料',
  'input.submit': '提交补充材料',
  'rating.title': '您对本次服务满意吗？',
  'rating.legend': '请评分：1（很不满意）到 5（非常满意）',
  'rating.submit': '提交评价',
  'rating.choose': '请选择 1 到 5 的评分',
  'notice.title': '提示',
  'nav.transparency': '办件公开',
  'transparency.title': '政务服务办件情况公开',
  'transparency.lead': '各服务事项的统计数据来自审计账本。少于 {below} 件的数字不予公开，以免识别到个人。',
  'transparency.service': '服务事项',
  'transparency.received': '受理件数',
  'transparency.completed': '办结件数',
  'transparency.failed': '未办结件数',
  'transparency.onTime': '法定期限内办结率',
  'transparency.median': '办理用时（中位数）',
  'transparency.satisfaction': '满意度（满分 5 分）',
  'transparency.withheld': '少于 {below}',
  'transparency.none': '暂无',
  'transparency.chart': '法定期限内办结率',
  'transparency.empty': '暂无统计数据。',
  'duration.days': '{n} 天',
  'duration.hours': '{n} 小时',
  'duration.minutes': '{n} 分钟',
  'duration.seconds': '{n} 秒',
  'status.running': '办理中',
  'status.completed': '已办结',
  'status.failed': '无法办结',
  'status.withdrawn': '已撤回',
  'status.erased': '已办结，个人信息已删除',
  'step.running': '正在办理：{step}',
  'step.awaiting-partner': '受托机构正在办理：{step}',
  'step.awaiting-review': '工作人员正在审核：{step}',
  'step.awaiting-officer': '工作人员正在审批：{step}',
  'step.awaiting-citizen': '正在等待您补充材料',
  'step.failed': '无法完成：{step}',
  'footer.about': 'govmesh：由政府部门及其委托机构共同提供、由政府部门全程掌控的政务服务。',
  'signIn.failed': '登录失败：{reason}。请重试。',
};

const MESSAGES: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

/** A page's text in `locale`, with `{name}` filled in from `values`. */
export function translate(locale: Locale, key: MessageKey, values: Record<string, string> = {}): string {
  return MESSAGES[locale][key].replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);
}

export const isMessageKey = (key: string): key is MessageKey => key in en;

/** Dates and times as the jurisdiction reads them: in its time zone, in the page's language. */
export function formatDateTime(iso: string, locale: Locale, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  // British English writes the day first and a 24-hour clock, as most jurisdictions read dates.
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale, {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone,
  }).format(date);
}

/** A processing time in the largest unit that reads naturally (2 days, 5 hours, 40 seconds). */
export function formatDuration(ms: number, locale: Locale): string {
  const [unit, size] =
    (
      [
        ['duration.days', 86_400_000],
        ['duration.hours', 3_600_000],
        ['duration.minutes', 60_000],
      ] as const
    ).find(([, s]) => ms >= s * 2) ?? (['duration.seconds', 1000] as const);
  const n = Math.round(ms / size);
  return translate(locale, unit, { n: new Intl.NumberFormat(locale).format(n) });
}
