import type { ptBRBulk } from './pt-br-bulk.ts';
import type { ptBRPages } from './pt-br-pages.ts';

/**
 * Portuguese (Brazil): the console's first language and the shape every other language follows.
 * Here what the first page needs; the sections of the pages loaded later are in pt-br-pages.ts
 * (and the bulk page's in pt-br-bulk.ts).
 */
export const ptBR = {
  app: {
    title: 'Console de Cadastro Facial',
    skip: 'Pular para o conteúdo',
    nav: {
      label: 'Navegação principal',
      register: 'Cadastrar rosto',
      lookup: 'Consultar cadastro',
      validate: 'Validar rosto',
      bulk: 'Cadastro em lote',
      audit: 'Auditoria',
      accounts: 'Contas',
    },
    environment: 'Ambiente',
    language: 'Idioma',
    /** The button that shows the navigation and the controls on a phone's narrow header. */
    menu: 'Menu',
    loading: 'Carregando…',
    retry: 'Tentar novamente',
    environmentsFailed: 'Não foi possível carregar os ambientes do console.',
    noEnvironments: 'Nenhum ambiente está configurado neste console. Peça ao administrador para configurar o servidor.',
    unknownEnvironment: 'O ambiente “{{env}}” do link não está configurado neste console. Mostrando “{{fallback}}”.',
    notFound: 'Esta página não existe.',
    home: 'Ir para a página inicial',
    environmentNotAllowed: 'Sua conta não tem acesso ao ambiente “{{env}}” do link. Mostrando “{{fallback}}”.',
    /** A look-up link in an environment that is not available: nothing is looked up anywhere. */
    unknownEnvironmentLookup:
      'O ambiente “{{env}}” do link não está configurado neste console: nenhuma consulta foi feita. Para consultar em “{{fallback}}”, clique em Consultar.',
    environmentNotAllowedLookup:
      'Sua conta não tem acesso ao ambiente “{{env}}” do link: nenhuma consulta foi feita. Para consultar em “{{fallback}}”, clique em Consultar.',
    sessionFailed: 'Não foi possível verificar a sua sessão no servidor do console.',
    account: {
      who: 'Conectado como {{name}} ({{role}})',
      logout: 'Sair',
      loggingOut: 'Saindo…',
      logoutFailed: 'Não foi possível sair. A sessão continua aberta: tente novamente.',
      loggedOut: 'Você saiu do console.',
    },
    forbidden: {
      heading: 'Acesso não permitido',
      register: 'Seu perfil ({{role}}) não permite cadastrar rostos.',
      lookup: 'Seu perfil ({{role}}) não permite consultar cadastros.',
      validate: 'Seu perfil ({{role}}) não permite validar rostos.',
      bulk: 'Seu perfil ({{role}}) não permite cadastrar em lote.',
      audit: 'Seu perfil ({{role}}) não permite ver a auditoria.',
      accounts: 'Seu perfil ({{role}}) não permite gerenciar contas.',
      help: 'Se o seu trabalho precisa disso, peça a um administrador do console.',
    },
  },
  roles: { admin: 'Administrador', registrar: 'Atendente de cadastro', support: 'Suporte', qa: 'Qualidade (QA)' },
  /** The login form, also over a page whose session ended; the login page's own words are in pt-br-pages.ts. */
  login: {
    name: 'Nome de usuário',
    password: 'Senha',
    submitting: 'Entrando…',
    nameRequired: 'Informe o nome de usuário.',
    passwordRequired: 'Informe a senha.',
    failed: 'Não foi possível entrar',
  },
  /** Over the page when a call finds the session gone: the page and what it holds stay. */
  sessionLost: {
    session_expired: {
      heading: 'Sua sessão expirou',
      body: 'Por segurança, a sessão termina depois de um tempo sem uso ou de um tempo máximo desde a entrada.',
    },
    not_authenticated: {
      heading: 'Sua sessão foi encerrada',
      body: 'A sessão deste navegador terminou (por exemplo, alguém saiu do console em outra aba).',
    },
    kept: 'Nada do que está na tela foi perdido: digite a senha de {{name}} para continuar de onde parou.',
    submit: 'Entrar e continuar',
    other: 'Sair e entrar com outra conta',
    resumed: 'Sessão renovada. Você pode continuar de onde parou.',
  },
  environments: {
    local: { name: 'Local (emulador)', banner: 'AMBIENTE LOCAL — emulador, dados fictícios' },
    sandbox: { name: 'Sandbox (QI Tech)', banner: 'SANDBOX — somente dados de teste' },
    production: { name: 'Produção', banner: 'PRODUÇÃO — dados reais' },
  },
  languages: { 'pt-BR': 'Português (Brasil)', en: 'English' },
  cpf: {
    label: 'CPF do cliente',
    hint: '11 dígitos. A pontuação é colocada enquanto você digita.',
    generate: 'Gerar CPF de teste',
    generated: 'CPF de teste gerado: {{cpf}}.',
    errors: {
      required: 'Informe o CPF do cliente.',
      format: 'O CPF tem 11 dígitos, como 123.456.789-09.',
      repeated_digits: 'Um CPF com todos os dígitos iguais não é válido. Confira o número no documento.',
      check_digits: 'Os dígitos verificadores (os dois últimos) não conferem. Confira se algum dígito foi digitado errado.',
    },
  },
  copy: {
    copy: 'Copiar',
    copyLabel: 'Copiar {{what}}',
    copied: 'Copiado!',
    failed: 'Não foi possível copiar. Selecione o texto e copie manualmente.',
  },
  register: {
    heading: 'Cadastrar rosto',
    intro: 'Informe o CPF do cliente e capture o rosto pela câmera, envie uma foto ou use uma chave de imagem do SDK.',
    source: { legend: 'Origem da foto', webcam: 'Câmera', upload: 'Enviar foto', key: 'Chave de imagem (SDK)' },
    webcam: {
      explain:
        'A câmera só é ligada quando você clicar em “Ativar câmera”. O navegador vai pedir permissão: escolha “Permitir”. A imagem fica só nesta página até o envio.',
      start: 'Ativar câmera',
      starting: 'Ligando a câmera…',
      ready: 'Câmera ligada. Posicione o rosto do cliente dentro do oval e clique em “Capturar foto”.',
      select: 'Câmera',
      capture: 'Capturar foto',
      captured: 'Foto capturada.',
      retake: 'Tirar outra foto',
      stop: 'Desligar câmera',
      waitingForCpf: 'Digite o CPF do próximo cliente: a foto é capturada sozinha em seguida (ou clique em “Capturar foto”).',
      previewLabel: 'Imagem ao vivo da câmera (espelhada)',
      guidance: {
        checking: 'Verificando o rosto…',
        good: 'Rosto bem posicionado. Mantenha a posição…',
        autoCaptured: 'Foto capturada automaticamente.',
        checkUnavailable: 'A verificação automática do rosto não está disponível; capture a foto manualmente.',
        no_face: 'Nenhum rosto encontrado. Posicione o rosto do cliente no oval.',
        multiple_faces: 'Apenas uma pessoa na imagem.',
        not_center: 'Centralize o rosto.',
        face_too_small: 'Aproxime o rosto.',
        not_frontal: 'Olhe de frente para a câmera.',
        eyes_closed: 'Mantenha os olhos abertos.',
        too_dark: 'Ambiente escuro: melhore a iluminação.',
        blurry: 'Imagem tremida ou desfocada: fique parado.',
      },
      errors: {
        denied:
          'O acesso à câmera foi negado. Clique no ícone de câmera na barra de endereço do navegador, escolha “Permitir” e clique em “Tentar novamente”. Você também pode enviar uma foto.',
        noCamera: 'Nenhuma câmera foi encontrada. Conecte uma câmera e clique em “Tentar novamente”, ou envie uma foto.',
        inUse:
          'A câmera está em uso por outro programa (uma chamada de vídeo, por exemplo). Feche esse programa e clique em “Tentar novamente”.',
        insecure: 'A câmera só funciona em endereços seguros (https ou localhost). Abra o console pelo endereço correto.',
        other: 'Não foi possível ligar a câmera ({{name}}). Clique em “Tentar novamente” ou envie uma foto.',
      },
    },
    upload: {
      drop: 'Arraste uma foto para cá',
      or: 'ou',
      choose: 'Escolher foto',
      hint: 'JPEG ou PNG. Fotos grandes são reduzidas e convertidas para JPEG automaticamente, para caber no limite de 3 MB.',
      preparing: 'Preparando a foto…',
      prepared: 'Foto pronta para envio.',
      errors: {
        unsupported_type: 'Este arquivo não é uma foto JPEG ou PNG. Escolha uma foto JPEG ou PNG.',
        unreadable: 'Não foi possível ler esta foto: o arquivo pode estar corrompido. Escolha outra foto.',
        too_small: 'A foto é pequena demais ({{width}}×{{height}} px). Use uma foto de pelo menos 200×200 px.',
        too_large: 'Não foi possível reduzir esta foto para menos de 3 MB. Escolha outra foto.',
      },
    },
    key: {
      label: 'Chave de imagem (image_key)',
      hint: 'O UUID devolvido pelo SDK de captura (Android/iOS) ou pelo envio de uma foto.',
      invalid: 'A chave de imagem é um UUID, como 3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c.',
      required: 'Informe a chave de imagem.',
      obtainLegend: 'Não tem uma chave? Envie uma foto para obter uma',
      obtain: 'Escolher foto e obter chave',
      obtaining: 'Enviando a foto…',
      obtained: 'Chave obtida para uma foto de {{width}}×{{height}} px, enviada em {{date}}.',
    },
    check: {
      checking: 'Verificando o rosto na foto…',
      passed: 'Rosto aprovado na verificação de qualidade.',
      refused: 'Esta foto não passa na verificação de qualidade: {{reason}}',
      unavailable: 'A verificação do rosto não está disponível neste navegador; a foto será avaliada no envio.',
      crop: 'Recortar em volta do rosto',
      cropMain: 'Recortar no rosto principal',
      warning: {
        heading: 'Recomendações da QI Tech (não impedem o envio):',
        mouth_open: 'Boca aberta: peça ao cliente que feche a boca.',
        not_neutral: 'Sorriso ou expressão marcada: peça uma expressão neutra.',
        eyes_covered: 'Olhos encobertos (óculos escuros, mão, sombra): peça que descubra os olhos.',
      },
      cropped: 'Foto recortada em volta do rosto.',
      /** no_face for a photo, where there is no oval to put the face in (the camera keeps its own words). */
      noFaceInPhoto: 'Nenhum rosto encontrado na foto. Escolha uma foto do rosto do cliente, de frente.',
      blocked: 'Esta foto não pode ser enviada: capture ou escolha outra que passe na verificação.',
      sendAnyway: 'Enviar mesmo assim (para testar a recusa da API; só fora de produção)',
    },
    preview: {
      heading: 'Foto que será enviada',
      details: '{{width}} × {{height}} px · {{size}} · JPEG',
      label: 'Prévia da foto que será enviada',
      discard: 'Descartar foto',
    },
    consent: {
      legend: 'Termo de consentimento (versão {{version}})',
      intro: 'Leia o termo para o cliente, ou peça que ele o leia, antes de capturar o rosto.',
      accept: 'O cliente leu e aceitou o termo de consentimento (versão {{version}})',
      required: 'Marque o aceite do termo de consentimento: sem ele o rosto não pode ser cadastrado.',
      /** The term is read to a Brazilian customer: in Portuguese whatever the console's language, English on demand. */
      showEnglish: 'Mostrar o termo em inglês',
      showPortuguese: 'Mostrar o termo em português',
    },
    missingPicture: 'Capture ou escolha uma foto antes de cadastrar.',
    submit: 'Cadastrar rosto',
    /** Production: the button itself says what it does, instead of a second step. */
    submitProduction: 'Cadastrar {{cpf}} em PRODUÇÃO',
    submitProductionNoCpf: 'Cadastrar em PRODUÇÃO',
    picture: { label: 'Foto do cliente' },
    /** The CPF looked up as soon as it is complete, before any photo. */
    cpfStatus: {
      checking: 'Verificando se este CPF já tem cadastro…',
      none: 'Sem cadastro neste ambiente.',
      registered: 'Já cadastrado',
      key: 'chave',
      failed: 'Não foi possível verificar agora se este CPF já tem cadastro; isso será conferido no envio.',
    },
    checking: 'Verificando se o CPF já tem cadastro…',
    sending: 'Enviando o cadastro…',
    verifying: 'Conferindo se o cadastro foi criado…',
    confirm: {
      heading: 'Este CPF já tem um cadastro',
      body: 'O CPF {{cpf}} já tem um cadastro, com a chave {{key}}. Cadastrar de novo cria um novo cadastro, e a consulta pelo CPF passará a mostrar o novo.',
      confirm: 'Cadastrar novamente',
      cancel: 'Cancelar',
      production: {
        heading: 'Confirme o cadastro em produção',
        body: 'Este envio cria um cadastro REAL no ambiente de PRODUÇÃO da QI Tech, com os dados reais do cliente: o CPF {{cpf}} e a foto do rosto. Confira o CPF antes de continuar.',
        confirm: 'Cadastrar em produção',
      },
      /** The console's face check refused the picture: it may still be sent, the reason named. */
      override: {
        heading: 'A verificação do console recusou esta foto',
        body: 'A verificação do console recusou esta foto: {{reason}} A QI Tech pode recusá-la também. Enviar mesmo assim?',
        confirm: 'Enviar mesmo assim',
      },
    },
    success: {
      heading: 'Rosto cadastrado',
      body: 'CPF {{cpf}} cadastrado em {{date}}.',
      keyLabel: 'Chave do cadastro',
      environmentLabel: 'Cadastrado no ambiente',
      byKey: 'Consultar pela chave',
      byDocument: 'Consultar pelo CPF',
      dismiss: 'Fechar aviso',
      late: 'Não chegou uma resposta válida ao envio, mas conferimos pelo CPF: o cadastro foi criado.',
    },
    failure: {
      heading: 'O cadastro não foi concluído',
      kept: 'O CPF e a foto foram mantidos: corrija o que foi indicado ou tente novamente.',
      keptKey: 'O CPF e a chave de imagem foram mantidos: corrija o que foi indicado ou tente novamente.',
      /** The API refused the picture itself: the same bytes would be refused again. */
      pictureRefused: 'O CPF foi mantido. Enviar a mesma foto de novo teria a mesma recusa: tire ou escolha outra foto.',
      keyRefused:
        'O CPF e a chave de imagem foram mantidos. Enviar a mesma chave de novo teria a mesma recusa: corrija a chave ou obtenha outra.',
      chooseAnother: 'Escolher outra foto',
    },
    /** After a send whose answer never came (timeout, cut connection): the CPF was looked up. */
    notCreated: {
      heading: 'Nenhum cadastro foi criado',
      body: 'Não chegou uma resposta válida ao envio, mas conferimos pelo CPF {{cpf}}: nenhum cadastro foi criado. É seguro tentar novamente.',
      resend: 'Enviar novamente',
    },
    unverified: {
      heading: 'Não foi possível confirmar se o cadastro foi criado',
      body: 'Não chegou uma resposta válida ao envio, e a consulta para conferir pelo CPF {{cpf}} também falhou. O cadastro pode ter sido criado: confira antes de enviar de novo.',
      lookupFailed: 'A consulta falhou',
      check: 'Conferir novamente',
    },
  },
  errors: {
    network_error: 'Não foi possível falar com o servidor do console. Verifique a conexão e tente novamente.',
    invalid_document_number: 'O CPF foi recusado. Confira o número e tente novamente.',
    invalid_image: 'A foto não pôde ser lida: não é um JPEG ou PNG válido, ou está corrompida. Capture ou escolha outra foto.',
    unsupported_image_format: 'Só fotos JPEG ou PNG são aceitas. Escolha outra foto.',
    image_too_small: 'A foto é pequena demais para a verificação do rosto (mínimo de 200×200 px). Use uma foto maior.',
    image_too_large: 'A foto passa do limite de 3 MB. Reduza a foto e tente novamente.',
    payload_too_large: 'O envio passa do limite de 3 MB. Reduza a foto e tente novamente.',
    image_key_not_found: 'Esta chave de imagem não existe neste ambiente. Envie a foto de novo para obter uma chave.',
    invalid_image_key: 'A chave de imagem é um UUID, como 3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c.',
    invalid_registration_key: 'A chave do cadastro é um UUID, como 3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c.',
    image_quality:
      'A foto foi recusada na avaliação de qualidade. Capture outra foto, com um só rosto, de frente, centralizado e bem iluminado.',
    environment_not_found: 'Este ambiente não está configurado no servidor do console. Escolha outro ambiente.',
    unauthorized: 'O serviço recusou a chave de API configurada para este ambiente. Avise o administrador do console.',
    upstream_unreachable:
      'Não foi possível conectar ao serviço da QI Tech: nada chegou a ser enviado. Tente novamente em instantes; se continuar, avise o administrador do console.',
    upstream_timeout:
      'O serviço da QI Tech não respondeu a tempo. Tente novamente em instantes; se continuar, avise o administrador do console.',
    upstream_connection_lost:
      'A conexão com o serviço da QI Tech caiu antes da resposta. Tente novamente em instantes; se continuar, avise o administrador do console.',
    upstream_error:
      'O serviço da QI Tech falhou (HTTP {{status}}). Tente novamente em instantes; se continuar, avise o administrador do console.',
    upstream_key_refused:
      'O serviço da QI Tech recusou a chave de API configurada no console para este ambiente (HTTP {{status}}). Isso é um problema de configuração, não do cadastro: avise o administrador do console.',
    bad_upstream_answer:
      'O serviço de reconhecimento facial respondeu de forma inesperada. Tente de novo em instantes; se continuar, avise o administrador.',
    session_expired: 'Sua sessão expirou. Entre de novo para continuar: nada do que está na tela foi perdido.',
    not_authenticated: 'Sua sessão foi encerrada. Entre de novo para continuar: nada do que está na tela foi perdido.',
    invalid_credentials: 'Nome de usuário ou senha incorretos. Confira os dois e tente novamente.',
    account_disabled: 'Esta conta está desativada. Fale com um administrador do console.',
    too_many_attempts:
      'Muitas tentativas de entrada sem sucesso. Por segurança, espere {{wait}} e tente novamente, ou peça a um administrador para trocar a senha.',
    rate_limited: 'Muitos pedidos em pouco tempo. Espere um instante e tente novamente.',
    forbidden: 'Seu perfil não permite fazer isto. Se o seu trabalho precisa, peça a um administrador do console.',
    environment_forbidden:
      'Sua conta não pode trabalhar neste ambiente. Escolha outro ambiente ou peça acesso a um administrador do console.',
    consent_required: 'O cadastro foi recusado sem o aceite do termo de consentimento. Marque o aceite e tente novamente.',
    cross_site_request: 'O pedido foi recusado por não vir do próprio console. Abra o console pelo endereço dele e tente novamente.',
    account_exists: 'Já existe uma conta com este nome de usuário. Escolha outro nome.',
    account_not_found: 'Esta conta não existe. Atualize a lista de contas e tente novamente.',
    own_account:
      'Você não pode desativar a sua própria conta nem tirar dela o perfil de administrador. Outro administrador pode fazer isso.',
    setup_not_available: 'O console já tem contas: a configuração inicial não está mais disponível. Entre com a sua conta.',
    invalid_setup_token: 'Este link de configuração não é válido. Use o link que o servidor do console mostrou ao iniciar.',
    internal_error: 'Ocorreu um erro no servidor. O pedido não foi concluído; tente novamente em instantes.',
    unexpected_answer: 'O servidor respondeu de forma inesperada. Tente novamente; se continuar, avise o administrador.',
    generic: 'O pedido foi recusado: {{description}}',
  },
};

type Leaves<T> = { [K in keyof T]: T[K] extends string ? string : Leaves<T[K]> };
/** All of pt-BR: what the first page needs, and the words of the pages loaded later (pt-br-pages.ts, pt-br-bulk.ts). */
export type PtBR = typeof ptBR & typeof ptBRPages & typeof ptBRBulk;
/** Every language has every key of pt-BR: a missing one is a type error. */
export type Messages = Leaves<PtBR>;
