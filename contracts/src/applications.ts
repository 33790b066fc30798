import { z } from 'zod';

/** An application schema reference, as a service definition names it: `business-licence-application@1`. */
export const ApplicationSchemaRef = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*@[1-9]\d*$/, 'an application schema is <kebab-case-name>@<major version>');

const IsoDate = z.iso.date();

export const businessLicenceApplicationV1 = z.object({
  applicant: z.object({
    name: z.string().min(1).max(200),
    dateOfBirth: IsoDate,
    nationalId: z.string().min(1),
    email: z.email(),
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
    name: z.string().min(1).max(200),
    dateOfBirth: IsoDate,
    nationalId: z.string().min(1),
    address: z.string().min(1).max(500),
  }),
  household: z.object({ size: z.number().int().min(1).max(30) }),
  income: z.object({ monthlyNet: z.number().min(0), employerRegistrationNumber: z.string().min(1).optional() }),
  bankAccount: z.object({ iban: z.string().regex(/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/, 'an IBAN') }),
});

/** The application data sets citizens submit, by `name@major`. */
export const APPLICATION_SCHEMAS: Readonly<Record<string, z.ZodObject>> = {
  'business-licence-application@1': businessLicenceApplicationV1,
  'social-benefit-application@1': socialBenefitApplicationV1,
};
