import type { ButtonHTMLAttributes } from 'react';

type Variant = 'default' | 'primary' | 'danger' | 'ghost';

interface Props extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  size?: 'normal' | 'small';
}

/** The one button: type="button" unless asked, so no button submits a form by accident. */
export function Button({ variant = 'default', size = 'normal', type = 'button', className, ...rest }: Props) {
  const classes = [
    'button',
    variant !== 'default' ? `button-${variant}` : '',
    size === 'small' ? 'button-small' : '',
    className ?? '',
  ]
    .filter(Boolean)
    .join(' ');
  return <button type={type} className={classes} {...rest} />;
}
