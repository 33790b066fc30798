import { z } from 'zod';

/** An application schema reference, as a service definition names it: `business-licence-application@1`. */
export const ApplicationSchemaRef = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*@[1-9]\d*$/, 'an application schema is <kebab-case-name>@<major version>');

const IsoDate = z.iso.date();

// Which fields hold personal data (`x-govmesh-classification` in the published form): logs redact them.
const personal = { 'x-govmesh-classification': 'personal' } as const;
const sensitive = { 'x-govmesh-classification': 'sensitive' } as const;

export const businessLicenceApplicationV1 = z.object({
  applicant: z.object({
    name: z.string().min(1).max(200).meta(personal),
    dateOfBirth: IsoDate.meta(personal),
    nationalId: z.string().min(1).meta(sensitive),
    email: z.email().meta(personal),
  }),
  business: z.object({
    name: z.string().min(1).max(200),
    address: z.string().min(1).max(500),
    activity: z.string().min(1).max(200),
    registrationNumber: z.string().min(1).optional(),
  }),
});

export const socialBenefitApplicationV1 = z.object({
  applicant: z.object({
    name: z.string().min(1).max(200).meta(personal),
    dateOfBirth: IsoDate.meta(personal),
    nationalId: z.string().min(1).meta(sensitive),
    address: z.string().min(1).max(500).meta(personal),
  }),
  household: z.object({ size: z.number().int().min(1).max(30) }),
  income: z.object({
    monthlyNet: z.number().min(0).meta(sensitive),
    employerRegistrationNumber: z.string().min(1).optional(),
  }),
  bankAccount: z.object({
    iban: z
      .string()
      .regex(/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/, 'an IBAN')
      .meta(sensitive),
  }),
});

/** The application data sets citizens submit, by `name@major`. */
export const APPLICATION_SCHEMAS: Readonly<Record<string, z.ZodObject>> = {
  'business-licence-application@1': businessLicenceApplicationV1,
  'social-benefit-application@1': socialBenefitApplicationV1,
};
