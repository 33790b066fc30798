import { z } from 'zod';

import type { TaskContract } from './task-type-registry.js';

const PersonName = z.string().min(1).max(200);
const IsoDate = z.iso.date();
const Address = z.string().min(1).max(500);

export const identityVerificationV1: TaskContract = {
  name: 'identity-verification',
  major: 1,
  title: 'Identity verification against the population register',
  input: z.object({ applicant: z.object({ name: PersonName, dateOfBirth: IsoDate, nationalId: z.string().min(1) }) }),
  output: z.object({ verified: z.boolean(), method: z.enum(['register-match', 'document-check', 'in-person']) }),
};

export const backgroundCheckV1: TaskContract = {
  name: 'background-check',
  major: 1,
  title: 'Background check of the applicant',
  input: z.object({ applicant: z.object({ name: PersonName, dateOfBirth: IsoDate }) }),
  output: z.object({ clear: z.boolean(), findings: z.array(z.string().max(1000)) }),
  deprecation: { replacedBy: 'background-check@2', sunset: '2027-06-30' },
};

/** Major 2 records each finding with a category and severity, which major 1 could not carry. */
export const backgroundCheckV2: TaskContract = {
  name: 'background-check',
  major: 2,
  title: 'Background check of the applicant, with categorised findings',
  input: z.object({ applicant: z.object({ name: PersonName, dateOfBirth: IsoDate }) }),
  output: z.object({
    clear: z.boolean(),
    findings: z.array(
      z.object({
        category: z.enum(['criminal', 'financial', 'regulatory']),
        severity: z.enum(['low', 'medium', 'high']),
        summary: z.string().max(1000),
      }),
    ),
  }),
};

export const siteInspectionV1: TaskContract = {
  name: 'site-inspection',
  major: 1,
  title: 'Inspection of business premises',
  input: z.object({ business: z.object({ address: Address }) }),
  output: z.object({
    passed: z.boolean(),
    inspectedOn: IsoDate,
    defects: z.array(z.string().max(1000)),
    photos: z.number().int().min(0).optional(),
  }),
};

export const certificateDeliveryV1: TaskContract = {
  name: 'certificate-delivery',
  major: 1,
  title: 'Printing and delivery of a certificate',
  input: z.object({ applicant: z.object({ name: PersonName }), business: z.object({ address: Address }) }),
  output: z.object({ trackingNumber: z.string().min(1), deliveredOn: IsoDate }),
};

export const feeCollectionV1: TaskContract = {
  name: 'fee-collection',
  major: 1,
  title: 'Collection of a service fee',
  input: z.object({
    amount: z.number().positive(),
    currency: z.string().length(3),
    payer: z.object({ name: PersonName }),
  }),
  output: z.object({ paid: z.boolean(), receiptId: z.string().min(1).optional() }),
};

export const documentTranslationV1: TaskContract = {
  name: 'document-translation',
  major: 1,
  title: 'Certified translation of a document',
  input: z.object({ documentRef: z.string().min(1), from: z.string().length(2), to: z.string().length(2) }),
  output: z.object({ translatedDocumentRef: z.string().min(1), certifiedBy: z.string().min(1) }),
};

export const incomeVerificationV1: TaskContract = {
  name: 'income-verification',
  major: 1,
  title: 'Verification of declared household income',
  input: z.object({
    applicant: z.object({ name: PersonName, nationalId: z.string().min(1) }),
    income: z.object({ monthlyNet: z.number().min(0) }),
  }),
  output: z.object({ confirmed: z.boolean(), verifiedMonthlyNet: z.number().min(0) }),
};

export const homeVisitV1: TaskContract = {
  name: 'home-visit',
  major: 1,
  title: 'Social worker visit to the household',
  input: z.object({
    applicant: z.object({ address: Address }),
    household: z.object({ size: z.number().int().min(1) }),
  }),
  output: z.object({ visitedOn: IsoDate, needConfirmed: z.boolean(), notes: z.string().max(4000).optional() }),
};
