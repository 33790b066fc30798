import type { z } from 'zod';

import { businessLicenceApplicationV1, socialBenefitApplicationV1 } from '../applications.js';
import { toJsonSchema } from '../json-schema.js';
import {
  backgroundCheckV1,
  backgroundCheckV2,
  certificateDeliveryV1,
  documentTranslationV1,
  feeCollectionV1,
  homeVisitV1,
  identityVerificationV1,
  incomeVerificationV1,
  siteInspectionV1,
} from '../task-types/catalogue.js';
import type { TaskContract } from '../task-types/task-type-registry.js';
import type { FormPublication, FormUi, TaskTypePublication } from './publications.js';

/**
 * The seed catalogue: the standards govmesh shipped as code, published as revision 1 of each major
 * when a registry starts empty. From then on the registry is the source of truth; these are only
 * where it started (and what cases from before the registry validate against).
 */
export interface SeedTaskType extends TaskTypePublication {
  readonly name: string;
  readonly major: number;
}
export interface SeedForm extends FormPublication {
  readonly name: string;
  readonly major: number;
}

const taskType = (c: TaskContract, ownerAgency: string): SeedTaskType => ({
  name: c.name,
  major: c.major,
  title: c.title,
  ownerAgency,
  input: toJsonSchema(c.input),
  output: toJsonSchema(c.output),
  ...(c.deprecation ? { deprecation: c.deprecation } : {}),
});

export function seedTaskTypes(): SeedTaskType[] {
  return [
    taskType(identityVerificationV1, 'public-security'),
    taskType(backgroundCheckV1, 'public-security'),
    taskType(backgroundCheckV2, 'public-security'),
    taskType(siteInspectionV1, 'market-regulation'),
    taskType(certificateDeliveryV1, 'market-regulation'),
    taskType(feeCollectionV1, 'market-regulation'),
    taskType(documentTranslationV1, 'public-security'),
    taskType(incomeVerificationV1, 'social-security'),
    taskType(homeVisitV1, 'social-security'),
  ];
}

type Labels = Record<string, [en: string, zhCN: string, helpEn?: string, helpZh?: string]>;

function ui(labels: Labels): FormUi {
  return {
    order: Object.keys(labels),
    fields: Object.fromEntries(
      Object.entries(labels).map(([field, [en, zh, helpEn, helpZh]]) => [
        field,
        { label: { en, 'zh-CN': zh }, ...(helpEn && helpZh ? { help: { en: helpEn, 'zh-CN': helpZh } } : {}) },
      ]),
    ),
  };
}

const form = (name: string, title: string, ownerAgency: string, schema: z.ZodObject, labels: Labels): SeedForm => ({
  name,
  major: 1,
  title,
  ownerAgency,
  schema: toJsonSchema(schema),
  ui: ui(labels),
});

const APPLICANT: Labels = {
  'applicant.name': ['Full name', '姓名', 'As on your identity document', '与身份证件一致'],
  'applicant.dateOfBirth': ['Date of birth', '出生日期', 'YYYY-MM-DD', '格式：年-月-日（YYYY-MM-DD）'],
  'applicant.nationalId': ['National identity number', '公民身份号码'],
};

export function seedForms(): SeedForm[] {
  return [
    form(
      'business-licence-application',
      'Application for a business licence',
      'market-regulation',
      businessLicenceApplicationV1,
      {
        ...APPLICANT,
        'applicant.email': [
          'Email address',
          '电子邮箱',
          'Where we send news of your application',
          '用于接收申请进展通知',
        ],
        'business.name': ['Business name', '企业名称'],
        'business.address': ['Business address', '经营场所地址'],
        'business.activity': ['Business activity', '经营范围'],
        'business.registrationNumber': [
          'Registration number',
          '统一社会信用代码',
          'Only if the business is registered already',
          '仅在企业已登记时填写',
        ],
      },
    ),
    form(
      'social-benefit-application',
      'Application for a social benefit',
      'social-security',
      socialBenefitApplicationV1,
      {
        ...APPLICANT,
        'applicant.address': ['Home address', '住址'],
        'household.size': ['People in the household', '家庭人口数', 'Including yourself', '包括您本人'],
        'income.monthlyNet': ['Monthly net income', '月净收入'],
        'income.employerRegistrationNumber': [
          "Employer's registration number",
          '雇主统一社会信用代码',
          'If you are employed',
          '如有工作单位请填写',
        ],
        'bankAccount.iban': ['Bank account (IBAN)', '银行账户（IBAN）', 'Where the benefit is paid', '用于发放补助'],
      },
    ),
  ];
}
