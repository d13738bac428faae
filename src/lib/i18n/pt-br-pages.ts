import { AUDIT_LABELS } from '../../../contract/audit-labels.ts';
import { addPortuguese } from './i18n.ts';

/**
 * The pt-BR words of the pages that are not the desk (setup, look-up, audit, accounts): loaded with
 * them, not on the first page. Each of those pages imports this module, which adds them to the
 * dictionary before the page renders.
 */
export const ptBRPages = {
  loginPage: {
    heading: 'Entrar no console',
    intro: 'Use o nome de usuário e a senha da sua conta no console.',
    introSso: 'Entre com a sua conta de {{provider}}. Quem tem uma conta local do console entra com o nome de usuário e a senha.',
    submit: 'Entrar',
    welcome: 'Você entrou como {{name}}.',
    noAccount: 'Não tem uma conta? Peça a um administrador do console.',
    sso: 'Entrar com {{provider}}',
    password: 'Ou com usuário e senha',
    breakGlassOnly:
      'A entrada com senha está reservada às contas de emergência do console, para quando {{provider}} estiver fora do ar. As demais pessoas entram com {{provider}}.',
    ssoFailed: 'Não foi possível entrar com {{provider}}',
    theProvider: 'o provedor de identidade',
    /** Why a login through the provider was refused: `/login?sso_error=…` (contract/access-admin.ts, SSO_ERRORS). */
    ssoErrors: {
      provider_unavailable:
        '{{provider}} não respondeu. Tente de novo em alguns minutos. Se você tem uma conta local do console, pode entrar com o nome de usuário e a senha abaixo.',
      provider_error: 'A entrada foi cancelada ou recusada em {{provider}}. Tente de novo.',
      no_transaction:
        'A entrada demorou demais, ou foi iniciada em outra aba ou outro navegador. Clique em “Entrar com {{provider}}” de novo.',
      state_mismatch:
        'A resposta de {{provider}} não corresponde à entrada iniciada neste navegador e foi recusada, por segurança. Clique em “Entrar com {{provider}}” de novo.',
      code_rejected: '{{provider}} recusou o código de entrada (já usado ou expirado). Clique em “Entrar com {{provider}}” de novo.',
      token_rejected:
        'A identidade enviada por {{provider}} não passou nas verificações do console e foi recusada. Tente de novo; se continuar, avise o administrador do console.',
      misconfigured: 'A ligação do console com {{provider}} está mal configurada. Avise o administrador do console.',
      no_usable_name:
        '{{provider}} não informou um nome de usuário que o console aceite (letras minúsculas, números e . _ @ -). Peça a quem administra {{provider}} na sua empresa que confira o seu nome de usuário ou e-mail.',
      no_mapped_group:
        'Você entrou em {{provider}}, mas não está em nenhum grupo com acesso ao console. Peça a quem administra os grupos de {{provider}} na sua empresa (a equipe de identidade ou de TI) que inclua você no grupo do seu perfil; um administrador do console sabe quais são os grupos.',
      group_overage:
        '{{provider}} não enviou os seus grupos: você está em grupos demais para o token de entrada. Avise o administrador do console: {{provider}} deve enviar só os grupos atribuídos ao console (ou funções de aplicativo).',
      name_taken:
        'Já existe uma conta local do console com o seu nome de usuário. Peça a um administrador do console que resolva (por exemplo, desativando ou renomeando a conta local).',
      account_disabled: 'A sua conta no console está desativada. Peça a um administrador do console.',
      last_admin:
        'Os seus grupos em {{provider}} tirariam o perfil de administrador do último administrador do console, e a entrada foi recusada. Peça que outro administrador seja definido antes.',
      account_changed: 'A sua conta foi alterada enquanto você entrava. Tente de novo.',
      unknown: 'Não foi possível entrar com {{provider}}. Tente de novo.',
    },
  },
  /** Over a page whose session ended, for an account that logs in through the identity provider. */
  ssoResume: {
    kept: 'Nada do que está na tela foi perdido. A conta {{name}} entra com {{provider}}: abra a entrada em uma nova aba, entre, e volte a esta aba.',
    open: 'Entrar com {{provider}} em uma nova aba',
    resume: 'Já entrei: continuar',
    notYet: 'O console ainda não vê a entrada de {{name}}. Conclua a entrada na outra aba e clique em “Já entrei: continuar” de novo.',
  },
  /** Refusals only the pages loaded later meet (added to the first page's errors). */
  errors: {
    local_login_off:
      'A entrada com senha está desligada para esta conta: use “Entrar com” o provedor de identidade. Se ele estiver fora do ar, uma conta de emergência de administrador ainda entra com senha.',
    managed_by_provider:
      'Esta conta vem do provedor de identidade: o perfil e os ambientes seguem os grupos da pessoa lá, e ela não tem senha no console. Altere os grupos no provedor.',
    last_break_glass:
      'Esta é a última conta de emergência de administrador ativa, e a entrada com senha está reservada às contas de emergência: ninguém entraria se o provedor de identidade caísse. Marque outra conta antes, ou libere a entrada com senha para todos.',
    no_break_glass_admin:
      'Nenhum administrador ativo está marcado como conta de emergência: se o provedor de identidade caísse, ninguém entraria. Marque antes uma conta local de administrador como conta de emergência.',
    sso_not_configured: 'O console não tem login único configurado: todas as contas entram com senha.',
  },
  setup: {
    heading: 'Configuração inicial do console',
    intro: 'O console ainda não tem contas. Crie a primeira conta de administrador: com ela você cria as contas das outras pessoas.',
    noToken:
      'Este endereço não tem o código de configuração. Abra o link completo que o servidor do console mostrou ao iniciar (termina em “/setup#token=…”).',
    name: 'Nome de usuário',
    nameHint: 'De 2 a 64 caracteres: letras minúsculas, números e . _ @ -, começando por letra ou número.',
    nameRequired: 'Escolha o nome de usuário.',
    nameInvalid: 'O nome de usuário usa só letras minúsculas, números e . _ @ -, começa por letra ou número e tem de 2 a 64 caracteres.',
    password: 'Senha',
    passwordHint: 'Pelo menos {{min}} caracteres. Uma frase longa, fácil de lembrar, é uma boa senha.',
    passwordShort: 'A senha precisa ter pelo menos {{min}} caracteres.',
    passwordLong: 'A senha pode ter no máximo 200 caracteres.',
    confirm: 'Confirme a senha',
    mismatch: 'As duas senhas não são iguais. Digite a mesma senha nos dois campos.',
    submit: 'Criar conta de administrador',
    submitting: 'Criando a conta…',
    failed: 'Não foi possível criar a conta',
    toLogin: 'Ir para a entrada',
    sso: 'Ou, se você está num grupo de administradores de {{provider}}, entre por lá: a sua conta será a primeira.',
  },
  lookup: {
    heading: 'Consultar cadastro',
    /** One box for either: which one is told by the shape of what was typed. */
    field: {
      label: 'Chave do cadastro ou CPF do cliente',
      hint: 'A chave do cadastro é um UUID, como 3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c. O CPF pode ter pontuação ou não: 123.456.789-09 ou 12345678909.',
      required: 'Informe a chave do cadastro ou o CPF do cliente.',
      neither:
        'Isto não é uma chave de cadastro nem um CPF. Digite a chave do cadastro (um UUID, como 3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c) ou o CPF do cliente (11 dígitos, como 123.456.789-09).',
    },
    byKey: {
      invalid: 'A chave do cadastro é um UUID, como 3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c.',
    },
    search: 'Consultar',
    searching: 'Consultando…',
    found: 'Cadastro encontrado',
    foundByDocument: 'Cadastro mais recente do CPF {{cpf}}',
    keyLabel: 'Chave do cadastro',
    environmentLabel: 'Ambiente consultado',
    notFoundKey: 'Nenhum cadastro tem esta chave neste ambiente. Confira a chave ou consulte pelo CPF.',
    notFoundDocument: 'Nenhum cadastro para o CPF {{cpf}} neste ambiente.',
    registerIt: 'Cadastrar o rosto deste CPF',
    invalidLink: 'O endereço desta consulta não é válido: {{reason}}',
    /** Who made the registration and when, from the audit trail, when this console made it. */
    origin: {
      console: 'Cadastrado em {{date}} por {{name}}',
      elsewhere: 'Cadastro feito fora deste console.',
      failed: 'Não foi possível saber quando e por quem este cadastro foi feito.',
    },
  },
  /**
   * The same face under other CPFs (issue 13): the desk's warning (loaded with it, off the first
   * page) and a look-up's list. `{{cpf}}` comes hidden: `***.456.789-**`.
   */
  duplicates: {
    one: 'Atenção: este rosto já está cadastrado em outro CPF',
    many: 'Atenção: este rosto já está cadastrado em {{count}} outros CPFs',
    advice: 'Confira os documentos do cliente antes de prosseguir; o cadastro foi feito.',
    heading: 'Rostos semelhantes em outros CPFs',
    item: 'CPF {{cpf}} — {{ratio}}% de semelhança',
  },
  audit: {
    heading: 'Auditoria',
    intro: 'O que foi feito no console, do mais recente ao mais antigo. Os CPFs aparecem mascarados; horários de Brasília.',
    filters: {
      legend: 'Filtros',
      from: 'De',
      to: 'Até',
      user: 'Usuário',
      cpf: 'CPF',
      cpfHint: 'O CPF completo. Ele não vai para o endereço da página: um link copiado leva os outros filtros, não o CPF.',
      action: 'Ação',
      anyAction: 'Todas as ações',
      // Not just “Ambiente”: the header's selector is named so, and is another thing.
      environment: 'Ambiente do registro',
      anyEnvironment: 'Todos os ambientes',
      environmentHint: 'Entradas, saídas e alterações de contas não têm ambiente: aparecem só em “Todos os ambientes”.',
      apply: 'Filtrar',
      clear: 'Limpar filtros',
      badPeriod: 'A data “Até” é anterior à data “De”.',
    },
    caption: 'Registros da auditoria, do mais recente ao mais antigo',
    columns: {
      at: 'Data e hora',
      user: 'Usuário',
      action: 'Ação',
      environment: 'Ambiente',
      cpf: 'CPF',
      key: 'Chave do cadastro',
      outcome: 'Resultado',
      status: 'HTTP',
      consent: 'Termo',
    },
    /** A registration whose picture the console's face check refused, sent after a confirmation. */
    override: AUDIT_LABELS['pt-BR'].override,
    empty: 'Nenhum registro para estes filtros',
    shown: 'Registros mostrados: {{count}}',
    more: 'Carregar mais antigos',
    loadingMore: 'Carregando registros mais antigos…',
    loadedMore: 'Registros mais antigos carregados. Mostrados: {{count}}.',
    end: 'Não há registros mais antigos.',
    export: 'Exportar CSV',
    exportEnglish: 'Exportar CSV em inglês (vírgulas, horário UTC)',
    exportHint:
      'O arquivo traz todos os registros destes filtros, não só os mostrados: separado por ponto e vírgula e em horário de Brasília, como o Excel em português espera. O em inglês, com códigos, é para scripts.',
    failed: 'Não foi possível carregar a auditoria.',
    /** One table with the CSV export's (contract/audit-labels.ts). */
    actions: AUDIT_LABELS['pt-BR'].actions,
  },
  accounts: {
    heading: 'Contas',
    intro:
      'Quem pode usar o console: o perfil diz o que cada pessoa pode fazer; os ambientes, onde. Alterar o perfil, os ambientes ou a senha de uma conta, ou desativá-la, encerra as sessões abertas dela.',
    caption: 'Contas do console',
    columns: {
      name: 'Nome de usuário',
      role: 'Perfil',
      environments: 'Ambientes',
      status: 'Situação',
      source: 'Origem',
      created: 'Criada em',
      lastLogin: 'Última entrada',
      actions: 'Ações',
    },
    you: '(você)',
    allEnvironments: 'Todos',
    noEnvironments: 'Nenhum',
    active: 'Ativa',
    disabled: 'Desativada',
    never: 'Nunca entrou',
    shown: 'Contas mostradas: {{count}}',
    empty: 'Nenhuma conta cadastrada.',
    failed: 'Não foi possível carregar as contas.',
    form: {
      heading: 'Nova conta',
      name: 'Nome de usuário',
      nameHint: 'De 2 a 64 caracteres: letras minúsculas, números e . _ @ -, começando por letra ou número.',
      nameRequired: 'Informe o nome de usuário da nova conta.',
      nameInvalid: 'O nome de usuário usa só letras minúsculas, números e . _ @ -, começa por letra ou número e tem de 2 a 64 caracteres.',
      role: 'Perfil',
      environments: 'Ambientes',
      allEnvironments: 'Todos os ambientes',
      environmentsHint: 'Desmarque “Todos os ambientes” para limitar a conta a alguns. O perfil Qualidade (QA) nunca trabalha em produção.',
      environmentsRequired: 'Escolha pelo menos um ambiente, ou marque “Todos os ambientes”.',
      password: 'Senha inicial',
      passwordHint: 'Pelo menos {{min}} caracteres. Entregue a senha à pessoa por um meio seguro.',
      passwordMin: 'Pelo menos {{min}} caracteres.',
      passwordShort: 'A senha precisa ter pelo menos {{min}} caracteres.',
      passwordLong: 'A senha pode ter no máximo 200 caracteres.',
      submit: 'Criar conta',
      submitting: 'Criando a conta…',
      failed: 'Não foi possível criar a conta',
      created: 'Conta {{name}} criada, com o perfil {{role}}.',
      generate: 'Gerar senha',
      generated: 'Senha gerada',
      generatedHint: 'Mostrada só agora: copie-a e entregue-a à pessoa por um meio seguro.',
      generatedAnnounce: 'Senha gerada e preenchida. Copie-a agora: ela não será mostrada de novo.',
      generatedCopyWhat: 'a senha gerada',
    },
    edit: {
      openShort: 'Alterar',
      open: 'Alterar a conta {{name}}',
      heading: 'Alterar a conta {{name}}',
      hint: 'Cada alteração é salva separadamente e encerra as sessões abertas desta conta.',
      ownHint:
        'Esta é a sua conta: você não pode desativá-la nem tirar dela o perfil de administrador. Alterar a sua senha ou os seus ambientes encerra as suas outras sessões; esta continua, já com a alteração.',
      saveRole: 'Salvar perfil',
      saveEnvironments: 'Salvar ambientes',
      defaultEnvironment: 'Ambiente padrão',
      defaultEnvironmentNone: 'Nenhum (o primeiro disponível)',
      defaultEnvironmentHint:
        'Onde o console abre para esta conta enquanto a pessoa não escolher um ambiente no seletor; depois, abre no último escolhido.',
      saveDefaultEnvironment: 'Salvar ambiente padrão',
      defaultEnvironmentChanged: 'Conta {{name}}: ambiente padrão alterado para {{environment}}.',
      password: 'Nova senha',
      savePassword: 'Salvar nova senha',
      disable: 'Desativar conta',
      enable: 'Reativar conta',
      close: 'Fechar',
      saving: 'Salvando a alteração…',
      failed: 'Não foi possível alterar a conta {{name}}',
      roleChanged: 'Conta {{name}}: perfil alterado para {{role}}.',
      environmentsChanged: 'Conta {{name}}: ambientes alterados para {{environments}}.',
      passwordChanged: 'Conta {{name}}: senha alterada. As sessões abertas dela foram encerradas.',
      disabled: 'Conta {{name}} desativada. As sessões abertas dela foram encerradas.',
      enabled: 'Conta {{name}} reativada.',
      confirmDisable: 'Desativar a conta {{name}}?',
      confirmDisableBody: '{{name}} não poderá mais entrar, e as sessões abertas dela serão encerradas. Você pode reativá-la depois.',
      confirmDisableYes: 'Desativar {{name}}',
      cancel: 'Cancelar',
      providerHint:
        'Esta conta vem de {{provider}}: o perfil e os ambientes seguem os grupos da pessoa lá, lidos de novo a cada entrada, e ela não tem senha no console. Aqui dá para desativá-la ou escolher o ambiente padrão.',
      breakGlass: 'Conta de emergência',
      breakGlassHint:
        'Entra com senha mesmo quando a entrada com senha está reservada às contas de emergência, para quando o provedor de identidade estiver fora do ar. Guarde para poucas contas de administrador.',
      markBreakGlass: 'Marcar como conta de emergência',
      unmarkBreakGlass: 'Desmarcar conta de emergência',
      breakGlassOn: 'Conta {{name}} marcada como conta de emergência.',
      breakGlassOff: 'Conta {{name}} não é mais conta de emergência.',
    },
    source: { local: 'Local', oidc: 'Provedor de identidade', breakGlass: 'Local, de emergência' },
    signIn: {
      heading: 'Entrada com senha',
      intro: 'O console tem login único com {{provider}} ({{issuer}}). Grupos e perfis (OIDC_ROLE_MAP): {{map}}.',
      legend: 'Quem pode entrar com senha',
      everyone: 'Todas as contas locais',
      breakGlass: 'Só as contas de emergência; as demais pessoas entram com {{provider}}',
      save: 'Salvar entrada com senha',
      saved: 'Entrada com senha: {{choice}}.',
      failed: 'Não foi possível alterar a entrada com senha',
    },
    emulator: {
      heading: 'Emulador embutido (ambiente local)',
      intro:
        'Para chamar o emulador diretamente (scripts e testes de QA), use o endereço abaixo e envie a chave no cabeçalho Authorization, como na API da QI Tech. Quem tem a chave cadastra e consulta rostos no ambiente local sem passar pelo console: entregue-a só a quem precisa.',
      address: 'Endereço',
      key: 'Chave de API',
      show: 'Mostrar chave',
      hide: 'Ocultar chave',
      loading: 'Carregando a chave…',
      copyWhat: 'a chave do emulador',
      audited: 'Cada exibição da chave fica registrada na auditoria.',
      off: 'O emulador embutido está desligado neste console (LOCAL_EMULATOR=off).',
      failed: 'Não foi possível mostrar a chave do emulador',
    },
  },
  /** 1:1 validation (issue 13): a new picture compared with the face registered for a CPF. */
  validate: {
    heading: 'Validar rosto (1:1)',
    intro:
      'Compare uma foto nova do cliente com o rosto cadastrado para o CPF dele. Nada é cadastrado nem alterado: a validação só diz se é a mesma pessoa.',
    notEnabled: {
      body: 'A validação 1:1 não está habilitada no ambiente “{{env}}”.',
      admin:
        'O administrador do console pode habilitá-la, se a conta da QI Tech deste ambiente oferecer a validação 1:1 por esta API: as contas mais novas da QI Tech validam pela Account Event API.',
      elsewhere: 'Neste console, a validação está habilitada em:',
    },
    submit: 'Validar',
    validating: 'Validando…',
    missingPicture: 'Capture ou escolha uma foto antes de validar.',
    result: {
      pass: 'Mesma pessoa — {{ratio}}%',
      fail: 'Pessoa diferente — {{ratio}}%',
      /** A validation_result the console does not know: shown as QI Tech sent it. */
      other: 'Resultado “{{result}}” — {{ratio}}%',
      passBody: 'A foto é da mesma pessoa do rosto cadastrado para o CPF {{cpf}}.',
      failBody:
        'A foto não é da pessoa cadastrada para o CPF {{cpf}}. Confira o CPF e o documento do cliente; se a foto estiver ruim (escura, de lado, tremida), tire outra e valide de novo.',
      otherBody: 'A QI Tech respondeu um resultado que o console não conhece. Confirme com a QI Tech o que ele significa antes de decidir.',
      cpf: 'CPF',
      registration: 'Cadastro comparado',
      byKey: 'Consultar o cadastro',
      registrationDate: 'Data do cadastro',
      registrationStatus: 'Situação do cadastro',
      validationKey: 'Chave da validação',
      validationDate: 'Validado em',
      environment: 'Ambiente',
    },
    failure: { heading: 'A validação não foi concluída' },
    errors: {
      registration_not_found: 'Não há rosto cadastrado para o CPF {{cpf}}. Cadastre o rosto antes de validar.',
      registration_not_comparable:
        'O cadastro mais recente do CPF {{cpf}} não tem um rosto que possa ser comparado. Cadastre o rosto de novo e valide em seguida.',
      image_not_comparable:
        'Não foi possível tirar desta foto um rosto para comparar. Tire ou escolha outra foto, com o rosto de frente e bem iluminado, e valide de novo.',
      validation_not_enabled:
        'A validação 1:1 não está habilitada neste ambiente. O administrador do console pode habilitá-la; as contas mais novas da QI Tech validam pela Account Event API.',
      busy: 'O serviço de reconhecimento facial está ocupado com outras fotos e não validou esta. Tente novamente em alguns segundos.',
      image_quality: 'A foto foi recusada na avaliação de qualidade: {{reason}} Tire ou escolha outra foto e valide de novo.',
    },
  },
};

addPortuguese(ptBRPages);
