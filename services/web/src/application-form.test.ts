import { describe, expect, it } from 'vitest';

import { applicationFrom, fieldErrors, formFields, typedValues, type PublishedForm } from './application-form.js';

const form: PublishedForm = {
  title: 'Application for a social benefit',
  schema: {
    type: 'object',
    required: ['applicant', 'household'],
    properties: {
      applicant: {
        type: 'object',
        required: ['name', 'dateOfBirth'],
        properties: {
          name: { type: 'string' },
          dateOfBirth: { type: 'string', format: 'date' },
          email: { type: 'string', format: 'email' },
        },
      },
      household: {
        type: 'object',
        required: ['size'],
        properties: { size: { type: 'integer' }, tenure: { type: 'string', enum: ['own', 'rent'] } },
      },
      income: { type: 'object', required: ['monthlyNet'], properties: { monthlyNet: { type: 'number' } } },
      consent: { type: 'boolean' },
    },
  },
  ui: {
    order: ['household.size', 'applicant.name', 'applicant.dateOfBirth'],
    fields: {
      'applicant.name': {
        label: { en: 'Full name', 'zh-CN': '姓名' },
        help: { en: 'As on your ID', 'zh-CN': '与证件一致' },
      },
      'applicant.dateOfBirth': { label: { en: 'Date of birth', 'zh-CN': '出生日期' } },
      'applicant.email': { label: { en: 'Email', 'zh-CN': '电子邮箱' } },
      'household.size': { label: { en: 'People in the household', 'zh-CN': '家庭人口数' } },
      'household.tenure': { label: { en: 'Home', 'zh-CN': '住房' } },
      'income.monthlyNet': { label: { en: 'Monthly net income', 'zh-CN': '月净收入' } },
      consent: { label: { en: 'I agree', 'zh-CN': '我同意' } },
    },
  },
};

describe('the application form drawn from a published form', () => {
  it('asks the fields in the order the form gives, then the other labelled ones, labelled in the page language', () => {
    const fields = formFields(form, 'zh-CN');
    expect(fields.map((f) => f.name)).toEqual([
      'household.size',
      'applicant.name',
      'applicant.dateOfBirth',
      'applicant.email',
      'household.tenure',
      'income.monthlyNet',
      'consent',
    ]);
    expect(fields[1]).toMatchObject({ label: '姓名', help: '与证件一致', id: 'f-applicant-name', required: true });
  });

  it('marks a field required only when it and every object around it are required', () => {
    const required = Object.fromEntries(formFields(form, 'en').map((f) => [f.name, f.required]));
    expect(required).toMatchObject({
      'applicant.name': true,
      'applicant.email': false,
      'household.size': true,
      // income itself is optional, so its required field is too
      'income.monthlyNet': false,
    });
  });

  it('chooses the input by the schema: numbers, dates, e-mail, a choice, a yes/no', () => {
    const kinds = Object.fromEntries(formFields(form, 'en').map((f) => [f.name, f.kind]));
    expect(kinds).toEqual({
      'household.size': 'integer',
      'applicant.name': 'text',
      'applicant.dateOfBirth': 'date',
      'applicant.email': 'email',
      'household.tenure': 'choice',
      'income.monthlyNet': 'number',
      consent: 'boolean',
    });
    expect(formFields(form, 'en').find((f) => f.name === 'household.tenure')?.choices).toEqual(['own', 'rent']);
  });

  it('builds the nested application with the schema types, leaving out what was left blank', () => {
    const posted = {
      'applicant.name': '  Ada Lovelace ',
      'applicant.dateOfBirth': '1985-12-10',
      'applicant.email': '',
      'household.size': '3',
      'income.monthlyNet': '1200.50',
      consent: 'true',
      _csrf: 'x',
      'not.a.field': 'dropped',
    };
    expect(applicationFrom(form, posted)).toEqual({
      applicant: { name: 'Ada Lovelace', dateOfBirth: '1985-12-10' },
      household: { size: 3 },
      income: { monthlyNet: 1200.5 },
      consent: true,
    });
  });

  it('sends a number that does not read as one as it was typed, so the API names the field', () => {
    expect(applicationFrom(form, { 'household.size': 'three' })).toEqual({ household: { size: 'three' } });
    expect(typedValues(form, { 'household.size': 'three' })['household.size']).toBe('three');
  });

  it("puts the API's problems next to their fields, in form order, in the page language", () => {
    const errors = fieldErrors(form, 'en', [
      { path: 'body.application.applicant.name', message: 'is required' },
      { path: 'body.application.household.size', message: 'must be integer' },
      { path: 'body.application.applicant.name', message: 'must be string' },
      { path: 'body.application.extra', message: 'is not a field of this contract' },
    ]);
    expect(errors).toEqual([
      { field: 'household.size', href: '#f-household-size', text: 'People in the household: must be integer' },
      { field: 'applicant.name', href: '#f-applicant-name', text: 'Enter Full name' },
      { href: '#main-content', text: 'The application has a value the form does not ask for (extra)' },
    ]);
    expect(
      fieldErrors(form, 'zh-CN', [{ path: 'body.application.applicant.name', message: 'is required' }])[0]?.text,
    ).toBe('请填写姓名');
    // A rule the API names is said in Chinese from its keyword and parameters; without one, the API's words stay.
    const refused = [
      {
        path: 'body.application.household.size',
        message: 'must be integer',
        rule: 'type',
        params: { type: 'integer' },
      },
    ];
    expect(fieldErrors(form, 'zh-CN', refused)[0]?.text).toContain('应当是 integer 类型');
    expect(fieldErrors(form, 'en', refused)[0]?.text).toBe('People in the household: must be integer');
    expect(
      fieldErrors(form, 'zh-CN', [{ path: 'body.application.household.size', message: 'must be integer' }])[0]?.text,
    ).toContain('must be integer');
    const fields = formFields(form, 'en', { 'applicant.name': '' }, errors);
    expect(fields.find((f) => f.name === 'applicant.name')?.error).toBe('Enter Full name');
  });
});
